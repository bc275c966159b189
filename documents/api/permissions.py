"""Who may write through the API: active staff with the admin's permission for the model.
Publishing, unpublishing and deleting a published document also ask documents/roles.py (writes.py)."""

from rest_framework import permissions


class StaffWrites(permissions.DjangoModelPermissions):
    """Reads for everyone (each viewset's queryset decides what is seen); writes for active staff
    with the admin's permission for the model: add for POST, change for PUT and PATCH, delete for
    DELETE, exactly as the admin asks (documents/roles.py gives them to the groups)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        return super().has_permission(request, view)

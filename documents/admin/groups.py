"""Donors and collections in the admin, which refuse to delete one that documents name."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import (
    Collection,
    Document,
    Donor,
)
from .files import StoredFilesAdmin
from .history import HistoryAdmin
from .locking import LockedAdmin


class NamedByDocumentsAdmin(LockedAdmin, HistoryAdmin):
    """Donors and collections: deleting one that documents name is refused (models/groups.py); the
    confirmation page lists those documents as protected, as it lists a person's roles, and deletes nothing."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = Document.objects.filter(**{f"{self.model.document_path}__in": objs}).distinct().order_by("record_id")
        protected = [
            *protected,
            *(
                format_html('Document: <a href="{}">{}</a>', reverse("admin:documents_document_change", args=[d.pk]), d)
                for d in named
            ),
        ]
        return deleted, counts, perms_needed, protected


@admin.register(Donor)
class DonorAdmin(StoredFilesAdmin, NamedByDocumentsAdmin):
    list_display = ["name", "acknowledgement", "url"]
    search_fields = ["name", "description"]
    list_filter = [("logo", admin.EmptyFieldListFilter)]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]


@admin.register(Collection)
class CollectionAdmin(StoredFilesAdmin, NamedByDocumentsAdmin):
    list_display = ["name", "slug", "modified_at"]
    search_fields = ["name", "description"]
    list_filter = [("image", admin.EmptyFieldListFilter)]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]

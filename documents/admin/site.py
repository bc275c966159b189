"""The archive's admin site: every change list filters only by the filters its admin declares.

Django's change list runs any query parameter that its declared filters leave over as a lookup, so
``?title__regex=[`` reached the database and answered 500. Here whatever is left over is refused,
as is a declared filter's invalid value: the list answers with a message, unfiltered, never a 500.
Every admin registered on the site gets this, Django's own (users, groups) and DRF's tokens too."""

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpResponseRedirect
from django.utils.http import urlencode

from .login_throttle import SignInForm

# Names the controls that inline tables and Select2 leave unnamed, for screen readers.
ADMIN_LABELS_JS = "documents/js/admin-labels.js"


class RefusedFilter(Exception):
    """A change list was asked for a filter it does not declare, or for an invalid value of one."""


class DeclaredFiltersChangeList(ChangeList):
    def get_filters(self, request):
        filter_specs, has_filters, remaining, *rest = super().get_filters(request)
        # What the declared filters did not consume would run as a lookup; the date hierarchy's bounds
        # are the only ones Django adds itself.
        bounds = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"} if self.date_hierarchy else set()
        undeclared = sorted(set(remaining) - bounds)
        if undeclared:
            raise IncorrectLookupParameters(f"Not a filter of this list: {', '.join(undeclared)}")
        return (filter_specs, has_filters, remaining, *rest)


class DeclaredFiltersOnly:
    """The ModelAdmin side: the change list above, and a refused filter answered with a message."""

    def get_changelist(self, request, **kwargs):
        return DeclaredFiltersChangeList

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup) as error:
            raise RefusedFilter(str(error)) from error

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except RefusedFilter:
            messages.error(request, "That filter is not available here, or its value is not valid: showing every row.")
            kept = {name: request.GET[name] for name in (IS_POPUP_VAR, TO_FIELD_VAR) if name in request.GET}
            return HttpResponseRedirect(request.path + (f"?{urlencode(kept)}" if kept else ""))


class ArchiveAdminSite(admin.AdminSite):
    # Sign-in says until when django-axes refuses a locked user name or address (documents/admin/login_throttle.py).
    login_form = SignInForm

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, DeclaredFiltersOnly):
            # As Django itself makes an admin class from register()'s options.
            admin_class = type(
                admin_class.__name__, (DeclaredFiltersOnly, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

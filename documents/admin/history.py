"""The admin's side of history (documents/history/).

HistoryAdmin records every add, change and delete made through an admin page as a version, with who
and a comment (the admin's own change message), and adds the pages that show a record's versions with
what each changed, revert to one, and list and restore deleted records. Kept apart from admin.py so that
the admin classes only name it as their base."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import capfirst

from ..history.diff import diff, entries
from ..history.recording import deleting, recording, set_comment, when
from ..history.recover import deleted_versions, restore, restore_problems
from ..history.revert import HistoryError, revert, revert_plan
from ..history.states import version_state, versions_of
from ..text import TextAreaField


class HistoryAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are recorded, with History, Revert and Recover deleted pages.

    Reading the history needs the view or change permission; reverting, the change permission
    (history/revert.py keeps the status for those who may not publish); recovering, add and change."""

    object_history_template = "admin/documents/history/object_history.html"
    history_per_page = 25
    # Browsers post text areas with \r\n: compared as stored (\n, NFC), an untouched one is no change.
    formfield_overrides = {models.TextField: {"form_class": TextAreaField}}

    # Recording ---------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with recording(request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        set_comment(entry.get_change_message())
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        set_comment(entry.get_change_message())
        return entry

    def delete_model(self, request, obj):
        with deleting([obj], request.user):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with deleting(queryset, request.user):
            super().delete_queryset(request, queryset)

    # Pages -------------------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("recover/", view(self.recover_list_view), name=f"{prefix}_recover_list"),
            path("recover/<int:version_id>/", view(self.recover_view), name=f"{prefix}_recover"),
            path(
                "<path:object_id>/history/<int:version_id>/revert/",
                view(self.revert_view),
                name=f"{prefix}_revert",
            ),
            *super().get_urls(),
        ]

    def _url(self, name, *args):
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _may_recover(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _render(self, request, template, title, **context):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "module_name": capfirst(self.opts.verbose_name_plural),
            **context,
        }
        return TemplateResponse(request, template, context)

    def changelist_view(self, request, extra_context=None):
        if self._may_recover(request):
            extra_context = {"recover_url": self._url("recover_list"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """The record's versions, newest first: who, when, the comment, and what each changed."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = versions_of(obj)
        page = Paginator(versions, self.history_per_page).get_page(request.GET.get("p"))
        page_entries = []
        if page.object_list:
            # The version just before this page's last one: the last entry is compared with it.
            older = next(iter(versions[page.end_index() : page.end_index() + 1]), None)
            page_entries = entries(page.object_list, older=older, latest=versions.first())
        return self._render(
            request,
            self.object_history_template,
            f"History: {obj}",
            object=obj,
            entries=page_entries,
            page=page,
            can_revert=self.has_change_permission(request, obj),
            **(extra_context or {}),
        )

    def revert_view(self, request, object_id, version_id):
        """GET: what reverting to the version would change; POST: revert, as a new version."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(versions_of(obj), pk=version_id)
        history_url = self._url("history", quote(obj.pk))
        if request.method == "POST":
            try:
                outcome = revert(obj, version, request.user)
            except HistoryError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Reverted “{obj}” to the version of {when(version)}, saved as a new version.",
                    messages.SUCCESS,
                )
                for note in outcome.notes:
                    self.message_user(request, note, messages.WARNING)
            return redirect(history_url)
        changes, notes = revert_plan(obj, version, request.user)
        return self._render(
            request,
            "admin/documents/history/revert.html",
            f"Revert “{obj}” to an earlier version",
            object=obj,
            version=version,
            changes=changes,
            notes=notes,
            history_url=history_url,
        )

    def recover_list_view(self, request):
        """Deleted records, most recently deleted first, each as its last version."""
        if not self._may_recover(request):
            raise PermissionDenied
        page = Paginator(deleted_versions(self.model), 50).get_page(request.GET.get("p"))
        return self._render(
            request,
            "admin/documents/history/recover_list.html",
            f"Recover deleted {self.opts.verbose_name_plural}",
            page=page,
        )

    def recover_view(self, request, version_id):
        """GET: what the deleted record held; POST: restore it with its parts."""
        if not self._may_recover(request):
            raise PermissionDenied
        version = get_object_or_404(deleted_versions(self.model), pk=version_id)
        if request.method == "POST":
            try:
                outcome = restore(version, request.user)
            except HistoryError as error:
                self.message_user(request, str(error), messages.ERROR)
                return redirect(self._url("recover_list"))
            self.message_user(request, f"Restored “{outcome.obj}” from its history.", messages.SUCCESS)
            for note in outcome.notes:
                self.message_user(request, note, messages.WARNING)
            return redirect(self._url("change", quote(outcome.obj.pk)))
        return self._render(
            request,
            "admin/documents/history/recover.html",
            f"Recover “{version.object_repr}”",
            version=version,
            held=diff(None, version_state(version)),
            problem=restore_problems(version),
            recover_list_url=self._url("recover_list"),
        )

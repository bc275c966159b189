"""The admin's batch import, undo and export (documents/interchange/).

- Imports (ImportBatch) lists every committed import; its "Import documents" page takes an upload,
  shows the dry run row by row, and commits on confirmation. Between the two steps the file waits in
  import_storage() under an unguessable name, which the confirmation names in a signed token.
- An import's page lists what it did; editors undo it there in one step.
- The document list gains two actions: export the selected documents as CSV or JSON Lines.

Registered from admin.py with one import, so that this module stays apart from the document admin."""

import os
import tempfile
import uuid
from datetime import timedelta
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage, storages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import get_valid_filename

from ..interchange.exporter import CONTENT_TYPES, export
from ..interchange.importer import can_import, import_file
from ..interchange.undo import UndoRefused, can_undo, undo_batch, undo_problems
from ..models import Document, ImportBatch

TOKEN_SALT = "documents.admin.imports.upload"
# An upload waits this long for its confirmation; older ones are removed at the next upload.
UPLOAD_MAX_AGE = timedelta(hours=12)
RECORDS_SHOWN = 500


def import_storage():
    """Where uploads wait between the dry run and the confirmation: the storage named "imports" in
    STORAGES if the operator configured one (shared by every app server), else a private folder in
    the system's temporary directory, never under MEDIA_ROOT (uploads may hold unpublished drafts)."""
    if "imports" in settings.STORAGES:
        return storages["imports"]
    return FileSystemStorage(location=os.path.join(tempfile.gettempdir(), "archive-imports"))


def _remove_stale_uploads(storage):
    """Best effort: uploads nobody confirmed. Storages that cannot list their files keep them."""
    try:
        for name in storage.listdir("")[1]:
            if timezone.now() - storage.get_modified_time(name) > UPLOAD_MAX_AGE:
                storage.delete(name)
    except (NotImplementedError, OSError):
        pass


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV (UTF-8, with or without BOM) or JSON Lines (.jsonl), one row per document, "
        "in the format of docs/import-format.md.",
    )


class ImportUploadView:
    """The two steps of an import in the admin: upload and dry run, then confirm and commit."""

    def __init__(self, model_admin):
        self.model_admin = model_admin

    def __call__(self, request):
        if not can_import(request.user):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self.confirm(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            return self.dry_run(request, form.cleaned_data["file"])
        return self.render(request, form=form)

    def render(self, request, **context):
        admin_ = self.model_admin
        context = {
            **admin_.admin_site.each_context(request),
            "title": "Import documents",
            "subtitle": None,
            "opts": admin_.opts,
            "document_opts": Document._meta,
            **context,
        }
        request.current_app = admin_.admin_site.name
        return TemplateResponse(request, "admin/documents/import.html", context)

    def dry_run(self, request, upload):
        storage = import_storage()
        _remove_stale_uploads(storage)
        file_name = PurePath(upload.name).name
        # An unguessable name: only the signed token below leads to it.
        stored = storage.save(f"{uuid.uuid4().hex}-{get_valid_filename(file_name) or 'import'}"[:200], upload)
        report = import_file(lambda: storage.open(stored, "rb"), file_name=file_name, user=request.user, dry_run=True)
        token = None
        if report.has_errors:
            storage.delete(stored)
        else:
            token = signing.dumps({"stored": stored, "file": file_name, "user": request.user.pk}, salt=TOKEN_SALT)
        return self.render(request, form=ImportForm(), report=report, token=token)

    def confirm(self, request):
        try:
            upload = signing.loads(request.POST["token"], salt=TOKEN_SALT, max_age=UPLOAD_MAX_AGE.total_seconds())
        except signing.BadSignature:
            upload = None
        storage = import_storage()
        if upload is None or upload["user"] != request.user.pk or not storage.exists(upload["stored"]):
            messages.error(request, "That upload is no longer available: please upload the file again.")
            return redirect("admin:documents_importbatch_import")
        if "cancel" in request.POST:
            storage.delete(upload["stored"])
            messages.info(request, f"Nothing was imported from {upload['file']}.")
            return redirect("admin:documents_importbatch_import")
        report = import_file(
            lambda: storage.open(upload["stored"], "rb"), file_name=upload["file"], user=request.user, dry_run=False
        )
        storage.delete(upload["stored"])
        if not report.committed:
            # The archive changed since the dry run (someone else's edit, another import).
            return self.render(request, form=ImportForm(), report=report, token=None)
        messages.success(request, f"Imported {upload['file']}: {report.summary}.")
        return redirect("admin:documents_importbatch_change", report.batch.pk)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Committed imports, read-only: what each did, and for editors, undo."""

    list_display = [
        "created_at",
        "file_name",
        "user",
        "created_count",
        "updated_count",
        "unchanged_count",
        "other_count",
        "status",
    ]
    list_display_links = ["created_at", "file_name"]
    list_filter = ["status", "file_format", "created_at"]
    list_select_related = ["user", "undone_by"]
    search_fields = ["file_name", "user__username"]
    date_hierarchy = "created_at"
    fields = [
        ("created_at", "user"),
        ("file_name", "file_format"),
        ("created_count", "updated_count", "unchanged_count", "other_count"),
        ("status", "undone_at", "undone_by"),
    ]
    readonly_fields = [
        "created_at",
        "user",
        "file_name",
        "file_format",
        "created_count",
        "updated_count",
        "unchanged_count",
        "other_count",
        "status",
        "undone_at",
        "undone_by",
    ]
    change_list_template = "admin/documents/import_batch_change_list.html"
    change_form_template = "admin/documents/import_batch_change_form.html"

    # Whoever may import may read what imports did; nobody edits or deletes the record of one.
    def has_view_permission(self, request, obj=None):
        return can_import(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return can_import(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(ImportUploadView(self)), name="documents_importbatch_import"),
            path("<int:object_id>/undo/", view(self.undo_view), name="documents_importbatch_undo"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": can_import(request.user)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = get_object_or_404(ImportBatch, pk=object_id)
        records = batch.records.order_by("pk")
        extra_context = {
            **(extra_context or {}),
            "records": records[:RECORDS_SHOWN],
            "records_left_out": max(0, records.count() - RECORDS_SHOWN),
            "may_undo": can_undo(request.user) and batch.status == ImportBatch.Status.APPLIED,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def undo_view(self, request, object_id):
        """A confirmation page that says what undoing will do, or why it cannot; a POST undoes."""
        batch = get_object_or_404(ImportBatch, pk=object_id)
        if not can_undo(request.user):
            raise PermissionDenied
        problems = undo_problems(batch)
        if request.method == "POST" and not problems:
            try:
                undo_batch(batch, request.user)
            except UndoRefused as refusal:
                problems = refusal.problems
            else:
                messages.success(request, f"Undone: the import of {batch.file_name} has been reversed.")
                return redirect("admin:documents_importbatch_change", batch.pk)
        records = batch.records.all()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo the import of {batch.file_name}",
            "subtitle": None,
            "opts": self.opts,
            "batch": batch,
            "problems": problems,
            "created_documents": records.filter(model="document", action="created").count(),
            "updated_documents": records.filter(model="document", action="updated").count(),
            "created_others": records.exclude(model="document").filter(action="created").count(),
            "updated_others": records.exclude(model="document").filter(action="updated").count(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/documents/import_undo.html", context)


def _export_response(fmt, queryset):
    selected = Document.objects.filter(pk__in=queryset.values("pk"))
    response = StreamingHttpResponse(export(fmt, documents=selected), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="documents-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"'
    return response


@admin.action(description="Export the selected documents (CSV)", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    return _export_response("csv", queryset)


@admin.action(description="Export the selected documents (JSON Lines)", permissions=["view"])
def export_jsonl(modeladmin, request, queryset):
    return _export_response("jsonl", queryset)


def _add_export_actions(site):
    """The document list's actions, plus the two exports (the document admin is defined elsewhere)."""
    document_admin = site.get_model_admin(Document)
    document_admin.actions = [*(document_admin.actions or []), export_csv, export_jsonl]


_add_export_actions(admin.site)

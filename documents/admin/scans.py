"""Scans in the admin: the inline table on a document's form, the several-scans upload page, and the scans' own list."""

import logging
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import ngettext

from ..files.images import validate_scan_image, validate_upload_pixels
from ..files.uploads import ImageFormField
from ..history.recording import recording, set_comment
from ..models import (
    Document,
    Scan,
)
from .files import StoredFilesAdmin
from .history import HistoryAdmin

logger = logging.getLogger(__name__)


class ScanImageField(ImageFormField):
    """The scan's own validator (validate_scan_image, on the model field) checks the file once, with
    messages that say what is wrong; Django's generic Pillow check would only say "not a valid image"."""

    def to_python(self, data):
        return forms.FileField.to_python(self, data)


class ScanFormSet(BaseInlineFormSet):
    """New rows start numbered as the next pages, after the document's last scan; together they keep to
    the request's pixel budget."""

    def clean(self):
        super().clean()
        files = [form.cleaned_data.get("image") for form in self.forms if form.has_changed()]
        validate_upload_pixels([file for file in files if file])

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None or index >= self.initial_form_count():
            last = max((scan.order for scan in self.get_queryset()), default=0)
            offset = 0 if index is None else index - self.initial_form_count()
            kwargs["initial"] = {"order": last + 1 + offset}
        return kwargs


class ScanInline(admin.TabularInline):
    model = Scan
    formset = ScanFormSet
    extra = 1
    fields = ["preview", "image", "original_filename", "alt_text", "order"]
    readonly_fields = ["preview", "original_filename"]
    formfield_overrides = {models.ImageField: {"form_class": ScanImageField}}
    # The default table, a link to the page that uploads several scans at once, and drag to reorder.
    template = "admin/documents/scan/scan_inline.html"

    class Media:
        js = ["documents/js/scan-order.js"]

    @admin.display(description="Thumbnail")
    def preview(self, scan):
        if not scan.thumbnail:
            return "—"
        return format_html(
            '<a href="{}"><img src="{}" alt="{}"></a>',
            scan.image.url,
            scan.thumbnail.url,
            scan.alt_text,
        )


class MultipleScanInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleScanField(forms.FileField):
    """Several files in one input; each is checked, and every bad one is named, before any is stored."""

    widget = MultipleScanInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        files = [super(MultipleScanField, self).clean(file, initial) for file in files]
        if not files or files == [None]:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        errors = []
        for file in files:
            try:
                validate_scan_image(file)
            except forms.ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise forms.ValidationError(errors)
        validate_upload_pixels(files)
        return files


def natural_key(file):
    """page-2.png before page-10.png: runs of digits compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", file.name)]


class ScanUploadForm(forms.Form):
    files = MultipleScanField(
        label="Scans",
        help_text="Select every page at once (up to 100 files). JPEG, PNG, TIFF, WebP or GIF.",
    )
    order = forms.ChoiceField(
        label="Page order",
        choices=[
            ("name", "By file name (page-2 comes before page-10)"),
            ("selected", "In the order the files were selected"),
        ],
        initial="name",
        widget=forms.RadioSelect,
    )
    description = forms.CharField(
        label="Description for the alt text",
        required=False,
        max_length=200,
        help_text="Each scan's alt text is “Page N” followed by this, e.g. “typed cable” gives "
        "“Page 3, typed cable”. Refine each one on the document page afterwards.",
    )

    def ordered_files(self):
        files = self.cleaned_data["files"]
        return sorted(files, key=natural_key) if self.cleaned_data["order"] == "name" else files


@admin.register(Scan)
class ScanAdmin(StoredFilesAdmin, HistoryAdmin):
    list_display = ["alt_text", "document", "order", "original_filename", "width", "height"]
    list_select_related = ["document"]
    list_filter = [("document__status", admin.ChoicesFieldListFilter)]
    search_fields = ["alt_text", "=document__record_id", "document__title"]
    autocomplete_fields = ["document"]
    readonly_fields = ["original_filename", "width", "height"]
    formfield_overrides = {models.ImageField: {"form_class": ScanImageField}}

    def get_urls(self):
        upload = path(
            "upload/<int:document_id>/",
            self.admin_site.admin_view(self.upload_view),
            name="documents_scan_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request, document_id):
        """Several scans of one document at once, appended as its next pages; one bad file refuses all."""
        document = get_object_or_404(Document, pk=document_id)
        document_admin = self.admin_site.get_model_admin(Document)
        if not (self.has_add_permission(request) and document_admin.has_change_permission(request, document)):
            raise PermissionDenied
        form = ScanUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                # Not atomic: append_to stores files, which a rolled-back revision would leave orphaned.
                with recording(request.user, atomic=False):
                    scans = Scan.append_to(document, form.ordered_files(), form.cleaned_data["description"])
                    comment = ngettext("Added %(count)d scan.", "Added %(count)d scans.", len(scans))
                    set_comment(comment % {"count": len(scans)})
            except OSError as error:
                # A full disk (or a quota) part-way through: append_to has removed what it wrote and no
                # row was kept, so the curator is told so on the form rather than shown a 500 page.
                logger.exception("Storing scans for document %s failed", document.pk)
                form.add_error(
                    None, f"The scans could not be stored ({error.strerror or 'storage error'}). Nothing was saved."
                )
                return self._upload_page(request, document, form)
            for scan in scans:
                self.log_addition(request, scan, [{"added": {}}])
            message = ngettext(
                "Added %(count)d scan as pages %(first)d–%(last)d. Check their alt text below.",
                "Added %(count)d scans as pages %(first)d–%(last)d. Check their alt text below.",
                len(scans),
            )
            self.message_user(
                request,
                message % {"count": len(scans), "first": scans[0].order, "last": scans[-1].order},
                messages.SUCCESS,
            )
            return redirect("admin:documents_document_change", document.pk)
        return self._upload_page(request, document, form)

    def _upload_page(self, request, document, form):
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add scans to “{document}”",
            "subtitle": None,
            "opts": self.opts,
            "document": document,
            "document_opts": Document._meta,
            "form": form,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/documents/scan/upload.html", context)

"""The curators' admin: every model registered, documents edited with their people,
relations and scans on one page."""

import logging
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .. import roles
from ..files.images import validate_scan_image, validate_upload_pixels
from ..files.storage import StorageError, removed_on_failure
from ..files.uploads import ImageFormField
from ..history import recording as history
from ..models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    OldSlug,
    Person,
    PersonAlias,
    Place,
    Relation,
    RelationType,
    Scan,
    Subject,
)
from ..services import merging
from .history import HistoryAdmin
from .locking import LockedAdmin, LockedModelForm
from .login_throttle import ThrottledAdminAuthenticationForm

logger = logging.getLogger(__name__)

# Sign-in refuses a locked user name or address and counts failures (documents/admin/login_throttle.py).
admin.site.login_form = ThrottledAdminAuthenticationForm


class StoredFilesAdmin:
    """Mixed into (before) the admin of a model that stores files: when a file cannot be written (a
    full disk), the form comes back with that said on it, and nothing is saved, neither a row (the
    transaction rolls back) nor a file (removed_on_failure removes those the save had written)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with removed_on_failure():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageError as error:
            logger.exception("Storing the files of %s %s failed", self.opts.verbose_name, object_id or "(new)")
            # Once more, with the same data, through a form that refuses: the curator's edits stay on it.
            request.storage_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "storage_error", None)
        return form if error is None else refusing(form, error)


def refusing(form_class, error):
    """The form class, refusing every submission with a message about the storage error."""

    class StorageRefused(form_class):
        def clean(self):
            super().clean()
            raise forms.ValidationError(
                f"The files could not be stored ({error.strerror}). Nothing was saved: "
                "try again, and tell the site's administrators if it happens again.",
                code="storage",
            )

    return StorageRefused


# Names the controls that inline tables and Select2 leave unnamed, for screen readers.
ADMIN_LABELS_JS = "documents/js/admin-labels.js"


class DocumentPersonInline(admin.TabularInline):
    model = DocumentPerson
    autocomplete_fields = ["person"]
    extra = 1
    verbose_name = "person in a role"
    verbose_name_plural = "People: authors, recipients, participants, people mentioned"


class OutgoingRelationInline(admin.TabularInline):
    model = Relation
    fk_name = "source"
    autocomplete_fields = ["target", "type"]
    extra = 1
    verbose_name = "relation from this document"
    verbose_name_plural = "Related documents (this document → other)"


class IncomingRelationInline(admin.TabularInline):
    model = Relation
    fk_name = "target"
    autocomplete_fields = ["source", "type"]
    extra = 0
    verbose_name = "relation to this document"
    verbose_name_plural = "Related documents (other → this document)"


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


class DecadeFilter(admin.SimpleListFilter):
    """Historical dates span centuries: filter by the decade a document's date falls in."""

    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = Document.objects.filter(date__isnull=False).dates("date", "year")
        decades = sorted({year.year // 10 * 10 for year in years})
        return [(str(decade), f"{decade}s") for decade in decades]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        # A year of up to four digits: anything else (a number too big for the database) is refused.
        if not re.fullmatch(r"[0-9]{1,4}", self.value()):
            raise IncorrectLookupParameters(f"Not a decade: {self.value()}")
        start = int(self.value())
        return queryset.filter(date__year__gte=start, date__year__lt=start + 10)


@admin.register(Document)
class DocumentAdmin(StoredFilesAdmin, LockedAdmin, HistoryAdmin):
    list_display = ["record_id", "title", "display_date", "doc_type", "status", "first_published_at", "modified_at"]
    list_display_links = ["record_id", "title"]
    list_filter = ["status", DecadeFilter, "doc_type", "languages", "classification", "donors", "collections"]
    list_select_related = ["doc_type"]
    search_fields = ["=record_id", "title", "summary", "text"]
    search_help_text = "Search by record ID, or by words in the title, summary or text."
    date_hierarchy = "date"
    ordering = ["-modified_at"]
    autocomplete_fields = [
        "doc_type",
        "classification",
        "languages",
        "archives",
        "donors",
        "collections",
        "subjects",
        "places",
    ]
    readonly_fields = ["first_published_at", "created_at", "modified_at", "modified_by"]
    inlines = [DocumentPersonInline, OutgoingRelationInline, IncomingRelationInline, ScanInline]
    actions = ["publish", "unpublish"]

    class Media:
        js = [ADMIN_LABELS_JS]

    fieldsets = [
        (None, {"fields": ["record_id", "title", "slug", "status"]}),
        ("Date", {"fields": [("date", "date_precision", "date_circa"), "date_note"]}),
        ("Description", {"fields": ["doc_type", "languages", "classification", "summary", "alternative_titles"]}),
        ("Text", {"fields": ["text", "transcript", "original_pdf"]}),
        ("Provenance", {"fields": ["source", "archives", "rights", "original_uploaded_date", "donors"]}),
        ("Discovery", {"fields": ["collections", "subjects", "places"]}),
        ("Record", {"fields": ["first_published_at", "created_at", "modified_at", "modified_by"]}),
    ]

    @admin.display(description="date", ordering="date")
    def display_date(self, document):
        return document.display_date or "undated"

    def has_publish_permission(self, request):
        return roles.can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        # Curators delete drafts only. Per object, this also makes the bulk delete action
        # refuse a selection holding a published document (get_deleted_objects asks it).
        if obj is None:
            return super().has_delete_permission(request)
        return roles.can_delete_document(request.user, obj)

    def delete_queryset(self, request, queryset):
        # The same rule for any caller that reaches the bulk delete without the confirmation page.
        if not roles.can_publish(request.user) and queryset.published().exists():
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def get_readonly_fields(self, request, obj=None):
        # Only those allowed to publish may change the status; curators save drafts.
        # A saved record ID is the document's permanent address: it never changes.
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("record_id")
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def save_model(self, request, obj, form, change):
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish the selected documents", permissions=["publish"])
    def publish(self, request, queryset):
        count = queryset.publish(request.user)
        self.message_user(request, f"Published {count} document{'s' if count != 1 else ''}.", messages.SUCCESS)

    @admin.action(description="Unpublish the selected documents (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = queryset.unpublish(request.user)
        self.message_user(request, f"Unpublished {count} document{'s' if count != 1 else ''}.", messages.SUCCESS)


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


class MergePeopleForm(forms.Form):
    """The merge confirmation page's choices: whom to keep, and what kind of alias the other names become."""

    keep = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.RadioSelect, empty_label=None)
    alias_kind = forms.ChoiceField(
        label="The other names become aliases of the kept person, as",
        choices=[(kind.value, kind.label) for kind in merging.MERGED_NAME_KINDS],
        initial=PersonAlias.Kind.TRANSLITERATION,
    )

    def __init__(self, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = people


class PersonForm(LockedModelForm):
    def clean_name(self):
        """A name another person has is refused here, with a link to that person (Person.clean says so too)."""
        name = self.cleaned_data["name"]
        namesake = Person(pk=self.instance.pk, name=name).namesake()
        if namesake is not None:
            where = reverse("admin:documents_person_change", args=[namesake.pk])
            raise ValidationError(
                format_html('{} <a href="{}">Open {}</a>.', namesake.duplicate_message(where), where, namesake.name),
                code="duplicate",
            )
        return name


@admin.register(Person)
class PersonAdmin(LockedAdmin, HistoryAdmin):
    form = PersonForm
    list_display = ["name", "sort_name", "kind", "life_dates", "wikidata_id", "document_count"]
    list_filter = ["kind"]
    search_fields = ["name", "sort_name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]
    inlines = [PersonAliasInline]

    class Media:
        js = [ADMIN_LABELS_JS]

    actions = ["merge_people"]

    def has_merge_permission(self, request):
        return merging.can_merge_people(request.user)

    @admin.action(description="Merge selected people", permissions=["merge"])
    def merge_people(self, request, queryset):
        """A confirmation page to choose whom to keep (services/merging.py says what a merge does); its POST merges."""
        # The person in most documents is offered as the one to keep.
        people = list(queryset.prefetch_related("aliases").order_by(F("document_total").desc(nulls_last=True), "pk"))
        if len(people) < 2:
            self.message_user(request, "Select two or more people to merge.", messages.WARNING)
            return None
        confirmed = "post" in request.POST
        form = MergePeopleForm(queryset, request.POST if confirmed else None, initial={"keep": people[0].pk})
        if confirmed and form.is_valid():
            keep = form.cleaned_data["keep"]
            others = [person for person in people if person.pk != keep.pk]
            try:
                result = merging.merge_people(keep, others, request.user, form.cleaned_data["alias_kind"])
            except merging.MergeError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(request, result.message(), messages.SUCCESS)
            return redirect("admin:documents_person_change", keep.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge people",
            "subtitle": None,
            "opts": self.opts,
            "people": people,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/documents/person/merge_people.html", context)

    def get_queryset(self, request):
        # A subquery, not a GROUP BY, so that the model's ordering (and autocomplete's) holds.
        documents = (
            DocumentPerson.objects.filter(person=OuterRef("pk"))
            .order_by()
            .values("person")
            .annotate(n=Count("document", distinct=True))
            .values("n")
        )
        return super().get_queryset(request).annotate(document_total=Subquery(documents))

    @admin.display(description="documents", ordering="document_total")
    def document_count(self, person):
        return person.document_total


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


@admin.register(Relation)
class RelationAdmin(HistoryAdmin):
    list_display = ["source", "type", "target"]
    list_filter = ["type"]
    list_select_related = ["source", "target", "type"]
    search_fields = ["=source__record_id", "=target__record_id", "source__title", "target__title"]
    autocomplete_fields = ["source", "target", "type"]


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
                with history.recording(request.user, atomic=False):
                    scans = Scan.append_to(document, form.ordered_files(), form.cleaned_data["description"])
                    history.set_comment(f"Added {len(scans)} scan{'s' if len(scans) != 1 else ''}.")
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
            self.message_user(
                request,
                f"Added {len(scans)} scan{'s' if len(scans) != 1 else ''} as pages "
                f"{scans[0].order}–{scans[-1].order}. Check their alt text below.",
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


@admin.register(RelationType)
class RelationTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "inverse_name", "slug"]
    search_fields = ["name", "inverse_name"]
    list_filter = []
    prepopulated_fields = {"slug": ["name"]}


@admin.register(DocumentType, Classification, Subject, Place, Archive)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    list_filter = []
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    list_filter = []


@admin.register(OldSlug)
class OldSlugAdmin(admin.ModelAdmin):
    """Read-only: old slugs are recorded when a slug changes, so old links keep working."""

    list_display = ["slug", "content_type", "target", "retired_at"]
    list_filter = ["content_type"]
    search_fields = ["slug"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

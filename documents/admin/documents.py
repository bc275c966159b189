"""The curators' admin: every model registered, documents edited with their people,
relations and scans on one page."""

import re

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext

from .. import roles
from ..models import (
    Document,
    DocumentPerson,
    Relation,
)
from ..services import publishing
from .files import StoredFilesAdmin
from .history import HistoryAdmin
from .locking import LockedAdmin
from .scans import ScanInline
from .site import ADMIN_LABELS_JS


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
        ("Text", {"fields": ["text", "transcript", "original_pdf", "names_not_linked"]}),
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
        count = publishing.publish(queryset, request.user)
        message = ngettext("Published %(count)d document.", "Published %(count)d documents.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description="Unpublish the selected documents (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        count = publishing.unpublish(queryset, request.user)
        message = ngettext("Unpublished %(count)d document.", "Unpublished %(count)d documents.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(Relation)
class RelationAdmin(HistoryAdmin):
    list_display = ["source", "type", "target"]
    list_filter = ["type"]
    list_select_related = ["source", "target", "type"]
    search_fields = ["=source__record_id", "=target__record_id", "source__title", "target__title"]
    autocomplete_fields = ["source", "target", "type"]

"""The curators' admin: every model registered, documents edited with their people,
relations and scans on one page."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.utils.html import format_html

from .models import (
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


class ScanInline(admin.TabularInline):
    model = Scan
    extra = 1
    fields = ["preview", "image", "alt_text", "order"]
    readonly_fields = ["preview"]

    @admin.display(description="Thumbnail")
    def preview(self, scan):
        if not scan.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="{}" style="max-height:80px">', scan.thumbnail.url, scan.alt_text)


class DecadeFilter(admin.SimpleListFilter):
    """Historical dates span centuries: filter by the decade a document's date falls in."""

    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = Document.objects.filter(date__isnull=False).dates("date", "year")
        decades = sorted({year.year // 10 * 10 for year in years})
        return [(str(decade), f"{decade}s") for decade in decades]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            start = int(self.value())
            return queryset.filter(date__year__gte=start, date__year__lt=start + 10)
        return queryset


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
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
        return request.user.has_perm("documents.publish_document")

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


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_name", "kind", "life_dates", "wikidata_id", "document_count"]
    list_filter = ["kind"]
    search_fields = ["name", "sort_name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]
    inlines = [PersonAliasInline]

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


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["name", "acknowledgement", "url"]
    search_fields = ["name", "description"]
    list_filter = [("logo", admin.EmptyFieldListFilter)]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "modified_at"]
    search_fields = ["name", "description"]
    list_filter = [("image", admin.EmptyFieldListFilter)]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "modified_at"]


@admin.register(Relation)
class RelationAdmin(admin.ModelAdmin):
    list_display = ["source", "type", "target"]
    list_filter = ["type"]
    list_select_related = ["source", "target", "type"]
    search_fields = ["=source__record_id", "=target__record_id", "source__title", "target__title"]
    autocomplete_fields = ["source", "target", "type"]


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = ["alt_text", "document", "order", "width", "height"]
    list_select_related = ["document"]
    list_filter = [("document__status", admin.ChoicesFieldListFilter)]
    search_fields = ["alt_text", "=document__record_id", "document__title"]
    autocomplete_fields = ["document"]
    readonly_fields = ["width", "height"]


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

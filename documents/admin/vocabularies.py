"""The controlled lists curators extend (types, classifications, subjects, places, archives, languages,
relation types) and the old slugs kept for redirects."""

from django.contrib import admin

from ..models import (
    Archive,
    Classification,
    DocumentType,
    Language,
    OldSlug,
    Place,
    RelationType,
    Subject,
)


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

"""People in the admin: aliases inline, edits guarded against lost updates, and merging duplicates."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from ..models import (
    DocumentPerson,
    Person,
    PersonAlias,
)
from ..services import merging
from .history import HistoryAdmin
from .locking import LockedAdmin, LockedModelForm
from .site import ADMIN_LABELS_JS


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

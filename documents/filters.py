"""The one FilterSet for documents: the public list uses it, and so will the API."""

import django_filters
from django import forms
from django.db.models import F, Q

from .dates import date_span, parse_partial_date
from .models import Classification, Collection, Document, DocumentPerson, DocumentType, Donor, Language, Person


class PartialDateField(forms.CharField):
    """Accepts YYYY, YYYY-MM or YYYY-MM-DD and cleans to the span of days it means."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            start, precision = parse_partial_date(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid_date") from None
        return date_span(start, precision)


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class DocumentsWithFilter(django_filters.ModelMultipleChoiceFilter):
    """Several values combine with OR; a subquery keeps each document once without DISTINCT."""

    def __init__(self, *args, extra_conditions=None, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)
        self.extra_conditions = extra_conditions or {}

    def filter(self, qs, value):
        if not value:
            return qs
        matching = Document.objects.filter(**{f"{self.field_name}__in": value}, **self.extra_conditions)
        return qs.filter(pk__in=matching.values("pk"))


def person_filter(label, role=None):
    # People are too many for a form control: the filter is set from links (person pages,
    # document pages) and shown as removable chips.
    extra = {"person_links__role": role} if role else {}
    return DocumentsWithFilter(
        field_name="person_links__person",
        queryset=Person.objects.public(),
        label=label,
        extra_conditions=extra,
        widget=forms.MultipleHiddenInput,
    )


CHECKBOXES = forms.CheckboxSelectMultiple


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Search")
    date_from = PartialDateFilter(method="filter_date_from", label="From (YYYY, YYYY-MM or YYYY-MM-DD)")
    date_to = PartialDateFilter(method="filter_date_to", label="To (YYYY, YYYY-MM or YYYY-MM-DD)")
    type = django_filters.ModelMultipleChoiceFilter(
        field_name="doc_type__slug",
        queryset=DocumentType.objects.public(),
        to_field_name="slug",
        label="Type",
        widget=CHECKBOXES,
    )
    language = DocumentsWithFilter(
        field_name="languages",
        queryset=Language.objects.public(),
        to_field_name="code",
        label="Language",
        widget=CHECKBOXES,
    )
    classification = django_filters.ModelMultipleChoiceFilter(
        field_name="classification__slug",
        queryset=Classification.objects.public(),
        to_field_name="slug",
        label="Original classification",
        widget=CHECKBOXES,
    )
    person = person_filter("Person (any role)")
    author = person_filter("Author", DocumentPerson.Role.AUTHOR)
    recipient = person_filter("Recipient", DocumentPerson.Role.RECIPIENT)
    participant = person_filter("Participant", DocumentPerson.Role.PARTICIPANT)
    mentioned = person_filter("Mentioned", DocumentPerson.Role.MENTIONED)
    donor = DocumentsWithFilter(field_name="donors", queryset=Donor.objects.public(), label="Donor", widget=CHECKBOXES)
    collection = DocumentsWithFilter(
        field_name="collections", queryset=Collection.objects.public(), label="Collection", widget=CHECKBOXES
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        empty_label=None,
        choices=[
            ("-date", "Date, newest first"),
            ("date", "Date, oldest first"),
            ("title", "Title"),
            ("-published", "Recently published"),
        ],
    )

    class Meta:
        model = Document
        fields = []

    PERSON_FILTERS = ("person", "author", "recipient", "participant", "mentioned")

    def errors_for_reader(self):
        """Each problem with the filters as (label, message)."""
        fields = self.form.fields
        return [
            (fields[name].label if name in fields else "Filters", message)
            for name, messages in self.errors.items()
            for message in messages
        ]

    def person_chips(self, query):
        """The people filters in use, each as (label, name, link that removes it)."""
        if not self.is_valid():
            return []
        chips = []
        for name in self.PERSON_FILTERS:
            for person in self.form.cleaned_data.get(name) or []:
                remaining = query.copy()
                remaining.setlist(name, [slug for slug in query.getlist(name) if slug != person.slug])
                remaining.pop("page", None)
                chips.append((self.form.fields[name].label, person.name, remaining.urlencode()))
        return chips

    # Partial dates match by overlap: a document dated "1949" is found by a search for February 1949.
    def filter_date_from(self, qs, name, value):
        return qs.filter(date_end__gte=value[0]) if value else qs

    def filter_date_to(self, qs, name, value):
        return qs.filter(date__lte=value[1]) if value else qs

    def filter_text(self, qs, name, value):
        # Interim substring search; the full-text search backends replace it.
        words = value.split()
        for word in words:
            condition = Q(title__icontains=word) | Q(summary__icontains=word) | Q(text__icontains=word)
            if word.isdigit():
                condition |= Q(record_id=int(word))
            qs = qs.filter(condition)
        return qs

    def filter_sort(self, qs, name, value):
        return qs  # applied last, in the qs property, so that the default holds too

    @property
    def qs(self):
        return super().qs.order_by(*self.ordering())

    def ordering(self):
        # Undated documents come last either way; the record id breaks ties so pages never overlap.
        key = self.form.cleaned_data.get("sort") if self.is_bound and self.form.is_valid() else ""
        return {
            "date": [F("date").asc(nulls_last=True), "record_id"],
            "title": ["title", "record_id"],
            "-published": [F("first_published_at").desc(nulls_last=True), "-record_id"],
        }.get(key, [F("date").desc(nulls_last=True), F("date_end").desc(nulls_last=True), "record_id"])

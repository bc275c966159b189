"""The one FilterSet for documents: the public list uses it, and so will the API."""

import django_filters
from django import forms
from django.db.models import F

from .dates import date_span, parse_partial_date
from .models import Classification, Collection, Document, DocumentPerson, DocumentType, Donor, Language, Person
from .models.querysets import can_preview
from .search import MAX_QUERY_LENGTH, parse_query, search_documents


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


def visible_terms(model):
    """The filter's choices: what a document the reader may see uses (staff also see drafts')."""

    def choices(request):
        user = getattr(request, "user", None)
        return model.objects.all() if can_preview(user) else model.objects.public()

    return choices


def person_filter(label, role=None):
    extra = {"person_links__role": role} if role else {}
    return DocumentsWithFilter(
        field_name="person_links__person",
        queryset=visible_terms(Person),
        label=label,
        extra_conditions=extra,
        widget=HIDDEN,
    )


# Facet links (facets.py) set these; the form carries them along when the search changes.
HIDDEN = forms.MultipleHiddenInput


MAX_VALUES = 50  # values in all filters together: more is not a reader's query


class DocumentFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start[0] > end[1]:
            raise forms.ValidationError("The start of the date range is after its end.", code="reversed_range")
        if sum(len(self.data.getlist(name)) for name in self.fields) > MAX_VALUES:
            raise forms.ValidationError(f"Choose at most {MAX_VALUES} values at once.", code="too_many_values")
        return data


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words, "a phrase", -exclude, or either or',
    )
    date_from = PartialDateFilter(method="filter_date_from", label="From (YYYY, YYYY-MM or YYYY-MM-DD)")
    date_to = PartialDateFilter(method="filter_date_to", label="To (YYYY, YYYY-MM or YYYY-MM-DD)")
    type = django_filters.ModelMultipleChoiceFilter(
        field_name="doc_type__slug",
        distinct=False,
        queryset=visible_terms(DocumentType),
        to_field_name="slug",
        label="Type",
        widget=HIDDEN,
    )
    language = DocumentsWithFilter(
        field_name="languages",
        queryset=visible_terms(Language),
        to_field_name="code",
        label="Language",
        widget=HIDDEN,
    )
    classification = django_filters.ModelMultipleChoiceFilter(
        field_name="classification__slug",
        distinct=False,
        queryset=visible_terms(Classification),
        to_field_name="slug",
        label="Original classification",
        widget=HIDDEN,
    )
    person = person_filter("Person (any role)")
    author = person_filter("Author", DocumentPerson.Role.AUTHOR)
    recipient = person_filter("Recipient", DocumentPerson.Role.RECIPIENT)
    participant = person_filter("Participant", DocumentPerson.Role.PARTICIPANT)
    mentioned = person_filter("Mentioned", DocumentPerson.Role.MENTIONED)
    donor = DocumentsWithFilter(field_name="donors", queryset=visible_terms(Donor), label="Donor", widget=HIDDEN)
    collection = DocumentsWithFilter(
        field_name="collections", queryset=visible_terms(Collection), label="Collection", widget=HIDDEN
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        empty_label=None,
        choices=[
            ("relevance", "Relevance (with a search)"),
            ("-date", "Date, newest first"),
            ("date", "Date, oldest first"),
            ("title", "Title"),
            ("-published", "Recently published"),
        ],
    )

    class Meta:
        model = Document
        fields = []
        form = DocumentFilterForm

    PERSON_FILTERS = ("person", "author", "recipient", "participant", "mentioned")

    def errors_for_reader(self):
        """Each problem with the filters as (label, message)."""
        fields = self.form.fields
        return [
            (fields[name].label if name in fields else "Filters", message)
            for name, messages in self.errors.items()
            for message in messages
        ]

    def chips(self, query):
        """Every selection in use, as (label, value, query string without it): removable chips."""
        if not self.is_valid():
            return []
        data, chips = self.form.cleaned_data, []

        def without(name, value=None):
            remaining = query.copy()
            remaining.pop("page", None)
            if value is None:
                remaining.pop(name, None)
            else:
                remaining.setlist(name, [v for v in query.getlist(name) if v != value])
            return remaining.urlencode()

        if data.get("q"):
            chips.append(("Search", data["q"], without("q")))
        for name in ("date_from", "date_to"):
            if data.get(name):
                chips.append((self.form.fields[name].label.split(" (")[0], query.get(name), without(name)))
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.ModelMultipleChoiceFilter) and data.get(name):
                key = filter_.extra.get("to_field_name", "pk")
                for term in data[name]:
                    chips.append((filter_.label, str(term), without(name, str(getattr(term, key)))))
        return chips

    # Partial dates match by overlap: a document dated "1949" is found by a search for February 1949.
    def filter_date_from(self, qs, name, value):
        return qs.filter(date_end__gte=value[0]) if value else qs

    def filter_date_to(self, qs, name, value):
        return qs.filter(date__lte=value[1]) if value else qs

    def filter_text(self, qs, name, value):
        parsed = self.parsed_query()
        return search_documents(qs, parsed) if parsed else qs

    def parsed_query(self):
        """The reader's query, parsed once; empty when there is none or the form is invalid."""
        if not hasattr(self, "_parsed"):
            text = self.form.cleaned_data.get("q", "") if self.is_valid() else ""
            self._parsed = parse_query(text)
        return self._parsed

    def queryset_without(self, *names):
        """The documents every filter but these selects: a facet's counts ignore its own selection."""
        qs = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name not in names and name != "sort" and value not in (None, "", []):
                qs = self.filters[name].filter(qs, value)
        return qs

    def date_span(self):
        """The first and last day of the date range chosen, either end None."""
        data = self.form.cleaned_data if self.is_valid() else {}
        start, end = data.get("date_from"), data.get("date_to")
        return (start[0] if start else None, end[1] if end else None)

    def filter_sort(self, qs, name, value):
        return qs  # applied last, in the qs property, so that the default holds too

    @property
    def qs(self):
        ordering = self.ordering()
        if "-search_rank" in ordering:
            # Ranked: the index is joined once, instead of matched in a subquery as well.
            qs = search_documents(self.queryset_without("q"), self.parsed_query(), ranked=True)
        else:
            qs = super().qs
        return qs.order_by(*ordering)

    def ordering(self):
        # A partial date sorts at the first day it can mean, the narrower date first among equal
        # starts ("4 February 1949", then "February 1949", then "1949"); undated documents come
        # last either way; the record id breaks ties so pages never overlap.
        key = self.form.cleaned_data.get("sort") if self.is_bound and self.form.is_valid() else ""
        ranked = bool(self.parsed_query().groups)
        if ranked and key in ("", "relevance"):
            return ["-search_rank", F("date").desc(nulls_last=True), "record_id"]  # see qs
        return {
            "date": [F("date").asc(nulls_last=True), F("date_end").asc(nulls_last=True), "record_id"],
            "title": ["title", "record_id"],
            "-published": [F("first_published_at").desc(nulls_last=True), "-record_id"],
        }.get(key, [F("date").desc(nulls_last=True), F("date_end").desc(nulls_last=True), "record_id"])

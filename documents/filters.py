"""The one FilterSet for documents: the public list uses it, and so will the API."""

import django_filters
from django import forms
from django.db.models import F

from .dates import date_span, parse_partial_date
from .idsets import among, id_set
from .models import (
    Classification,
    Collection,
    Document,
    DocumentFacet,
    DocumentType,
    Donor,
    FacetKind,
    Language,
    Person,
)
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


class FacetFilter(django_filters.ModelMultipleChoiceFilter):
    """Documents with any of the chosen values (OR), found in the facet table's index: no join,
    no document row read, the same for a type as for a person in a role."""

    def __init__(self, *args, kind, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", HIDDEN)
        super().__init__(*args, **kwargs)
        self.kind = kind

    def filter(self, qs, value):
        ids = [term.pk for term in value or []]
        if not ids:
            return qs
        return qs.filter(pk__in=DocumentFacet.objects.filter(facet=self.kind, value__in=ids).values("document_id"))


def visible_terms(model):
    """The filter's choices: what a document the reader may see uses (staff also see drafts')."""

    def choices(request):
        user = getattr(request, "user", None)
        return model.objects.all() if can_preview(user) else model.objects.public()

    return choices


# Facet links (facets.py) set these; the form carries them along when the search changes.
HIDDEN = forms.MultipleHiddenInput


MAX_VALUES = 50  # values in all filters together: more is not a reader's query
DATE_RANGE = ("date_from", "date_to")
IDS_SENT = 10_000  # see DocumentFilter._chosen()


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
    type = FacetFilter(kind=FacetKind.TYPE, queryset=visible_terms(DocumentType), label="Type")
    language = FacetFilter(
        kind=FacetKind.LANGUAGE, queryset=visible_terms(Language), to_field_name="code", label="Language"
    )
    classification = FacetFilter(
        kind=FacetKind.CLASSIFICATION, queryset=visible_terms(Classification), label="Original classification"
    )
    person = FacetFilter(kind=FacetKind.PERSON, queryset=visible_terms(Person), label="Person (any role)")
    author = FacetFilter(kind=FacetKind.AUTHOR, queryset=visible_terms(Person), label="Author")
    recipient = FacetFilter(kind=FacetKind.RECIPIENT, queryset=visible_terms(Person), label="Recipient")
    participant = FacetFilter(kind=FacetKind.PARTICIPANT, queryset=visible_terms(Person), label="Participant")
    mentioned = FacetFilter(kind=FacetKind.MENTIONED, queryset=visible_terms(Person), label="Mentioned")
    donor = FacetFilter(kind=FacetKind.DONOR, queryset=visible_terms(Donor), label="Donor")
    collection = FacetFilter(kind=FacetKind.COLLECTION, queryset=visible_terms(Collection), label="Collection")
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

    def active(self):
        """The names of the filters in use (the sort order is not a filter)."""
        if "_active" not in self.__dict__:
            data = self.form.cleaned_data if self.is_valid() else {}
            self._active = {name for name, value in data.items() if name != "sort" and value is not None and len(value)}
        return self._active

    def published_only(self):
        return not can_preview(getattr(self.request, "user", None))

    def ids_without(self, *names):
        """The ids of the documents every filter but these selects, as a set (None when no
        filter is left: all visible documents). Each filter's ids (the date range's two ends
        together) are read once per request and intersected here."""
        cache = self.__dict__.setdefault("_id_sets", {})
        keys = sorted(self.active() - set(names))
        dates = tuple(name for name in keys if name in DATE_RANGE)
        keys = [name for name in keys if name not in DATE_RANGE] + ([dates] if dates else [])
        found = None
        for key in keys:
            if key not in cache:
                cache[key] = self._date_ids() if key == dates else self._ids_of(key)
            found = cache[key] if found is None else found & cache[key]
        return found

    def _ids_of(self, name):
        filter_, value = self.filters[name], self.form.cleaned_data[name]
        if isinstance(filter_, FacetFilter):
            return self._facet_ids(filter_.kind, value__in=[term.pk for term in value])
        return id_set(filter_.filter(self.queryset.order_by(), value).values_list("pk"))

    def _facet_ids(self, kind, **condition):
        rows = DocumentFacet.objects.filter(facet=kind, **condition)
        if self.published_only():
            rows = rows.filter(published=True)
        return id_set(rows.values_list("document_id"))

    def _date_ids(self):
        """The documents whose date overlaps the range. A date and the last day it can mean
        always fall in the same year, so the years wholly inside the range come from the facet
        table's year rows; only a partly covered first or last year is checked day by day."""
        start, end = self.date_span()
        years, edges = {}, set()
        if start is not None:
            whole = (start.month, start.day) == (1, 1)
            years["value__gte"] = start.year if whole else start.year + 1
            edges |= set() if whole else {start.year}
        if end is not None:
            whole = (end.month, end.day) == (12, 31)
            years["value__lte"] = end.year if whole else end.year - 1
            edges |= set() if whole else {end.year}
        found = set()
        if years.get("value__gte", 0) <= years.get("value__lte", 9999):
            found = self._facet_ids(FacetKind.YEAR, **years)
        for year in edges:
            edge = self.queryset.order_by().filter(date__year=year)
            if start is not None:
                edge = edge.filter(date_end__gte=start)
            if end is not None:
                edge = edge.filter(date__lte=end)
            found |= id_set(edge.values_list("pk"))
        return found

    def matching_ids(self):
        """The ids of the documents all filters select; None when nothing is chosen (all)."""
        return self.ids_without()

    def _chosen(self, *without):
        """The visible documents all filters but these select. Few of them are sent as their
        ids, read already; many are selected again by the filters in SQL: a list of 300,000 ids
        costs more to send and match than the filters' own index reads."""
        ids = self.ids_without(*without)
        if ids is None:
            return self.queryset
        if len(ids) <= IDS_SENT:
            return self.queryset.filter(pk__in=among(sorted(ids)))
        qs = self.queryset
        for name in sorted(self.active() - set(without)):
            qs = self.filters[name].filter(qs, self.form.cleaned_data[name])
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
        """The documents chosen, in order: those of matching_ids() (each filter read once),
        or ranked by the search index, which is then joined once instead of matched again."""
        if not self.is_valid():
            return super().qs
        ordering = self.ordering()
        if "-search_rank" in ordering:
            qs = search_documents(self._chosen("q"), self.parsed_query(), ranked=True)
        else:
            qs = self._chosen()
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

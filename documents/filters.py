"""The one FilterSet for documents, used by the public list and the API: it reads and checks the
request's parameters and turns them into the search index's Criteria; the index selects, sorts
and counts (documents/search/)."""

import django_filters
from django import forms

from .dates import date_span, parse_partial_date
from .models import Classification, Collection, Document, DocumentType, Donor, Language, Person
from .models.querysets import can_preview
from .search import MAX_QUERY_LENGTH, Criteria, Search, SearchUnavailable, parse_query


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
    """Documents with any of the chosen values (OR), by the search index's field of the same name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("widget", HIDDEN)
        super().__init__(*args, **kwargs)


# Facet links (facets.py) set these; the form carries them along when the search changes.
HIDDEN = forms.MultipleHiddenInput


MAX_VALUES = 50  # values in all filters together: more is not a reader's query


class DocumentFilterForm(forms.Form):
    published_only = True  # DocumentFilter.form sets it from the request

    def clean(self):
        data = super().clean()
        if self.published_only:
            self._refuse_unpublished_terms(data)
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start[0] > end[1]:
            raise forms.ValidationError("The start of the date range is after its end.", code="reversed_range")
        if sum(len(self.data.getlist(name)) for name in self.fields) > MAX_VALUES:
            raise forms.ValidationError(f"Choose at most {MAX_VALUES} values at once.", code="too_many_values")
        return data

    def _refuse_unpublished_terms(self, data):
        """A chosen term that no published document uses is refused, for a reader who may not preview
        drafts, as if it did not exist. The search index answers: the database's EXISTS read every
        link of a frequent term first."""
        for name, terms in list(data.items()):
            field = self.fields[name]
            if not isinstance(field, forms.ModelMultipleChoiceField) or not self.data.getlist(name):
                continue
            try:
                unused = [term for term in terms if not _published_with(name, term.pk)]
            except SearchUnavailable:
                return  # the search answers that it is unavailable
            if unused:
                key = field.to_field_name or "pk"
                value = getattr(unused[0], key)
                self.add_error(name, field.error_messages["invalid_choice"] % {"value": value})


def _published_with(name, pk):
    return Search(Criteria(values=((name, (pk,)),), published_only=True)).count() > 0


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        max_length=MAX_QUERY_LENGTH,
        help_text='Words, "a phrase", -exclude, or either or',
    )
    date_from = PartialDateFilter(method="filter_date_from", label="From (YYYY, YYYY-MM or YYYY-MM-DD)")
    date_to = PartialDateFilter(method="filter_date_to", label="To (YYYY, YYYY-MM or YYYY-MM-DD)")
    type = FacetFilter(queryset=DocumentType.objects.all(), label="Type")
    language = FacetFilter(queryset=Language.objects.all(), to_field_name="code", label="Language")
    classification = FacetFilter(queryset=Classification.objects.all(), label="Original classification")
    person = FacetFilter(queryset=Person.objects.all(), label="Person (any role)")
    author = FacetFilter(queryset=Person.objects.all(), label="Author")
    recipient = FacetFilter(queryset=Person.objects.all(), label="Recipient")
    participant = FacetFilter(queryset=Person.objects.all(), label="Participant")
    mentioned = FacetFilter(queryset=Person.objects.all(), label="Mentioned")
    donor = FacetFilter(queryset=Donor.objects.all(), label="Donor")
    collection = FacetFilter(queryset=Collection.objects.all(), label="Collection")
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
            if isinstance(filter_, django_filters.ModelMultipleChoiceFilter) and query.getlist(name):
                key = filter_.extra.get("to_field_name", "pk")
                for term in data[name]:
                    chips.append((filter_.label, str(term), without(name, str(getattr(term, key)))))
        return chips

    def filter_queryset(self, queryset):
        raise TypeError("Documents are selected by the search index: use DocumentFilter.search().")

    def filter_text(self, qs, name, value):
        return qs  # never called: see filter_queryset()

    filter_date_from = filter_date_to = filter_sort = filter_text

    def parsed_query(self):
        """The reader's query, parsed once; empty when there is none or the form is invalid."""
        if not hasattr(self, "_parsed"):
            text = self.form.cleaned_data.get("q", "") if self.is_valid() else ""
            self._parsed = parse_query(text)
        return self._parsed

    def published_only(self):
        return not can_preview(getattr(self.request, "user", None))

    @property
    def form(self):
        form = super().form
        form.published_only = self.published_only()
        if not self.data.get("q", "").strip():
            # Relevance ranks by the words of a search: without one the page does not offer it (a link that
            # asks for it still answers, newest first).
            sort = form.fields["sort"]
            sort.widget.choices = [choice for choice in sort.choices if choice[0] != "relevance"]
        return form

    def criteria(self):
        """What the request selects, for the search index."""
        data = self.form.cleaned_data
        start, end = self.date_span()
        # Only the filters the request names: an empty choice cleans to a queryset, costly to test.
        values = tuple(
            (name, tuple(sorted(term.pk for term in data[name])))
            for name, filter_ in self.filters.items()
            if isinstance(filter_, FacetFilter) and self.data.getlist(name)
        )
        return Criteria(self.parsed_query(), values, start, end, self.published_only())

    def search(self):
        """The request's Search (valid filters only), made once."""
        if "_search" not in self.__dict__:
            self._search = Search(self.criteria())
        return self._search

    def date_span(self):
        """The first and last day of the date range chosen, either end None."""
        data = self.form.cleaned_data if self.is_valid() else {}
        start, end = data.get("date_from"), data.get("date_to")
        return (start[0] if start else None, end[1] if end else None)

    def order(self):
        """The sort order's name (searching.ORDERS, or "relevance"): relevance by default with words,
        the newest first without. Every order ends in the record ID, so pages never overlap."""
        key = self.form.cleaned_data.get("sort") if self.is_bound and self.form.is_valid() else ""
        ranked = bool(self.parsed_query().groups)
        if key in ("", "relevance"):
            return "relevance" if ranked else "-date"
        return key

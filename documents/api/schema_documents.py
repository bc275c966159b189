"""The schema of the document resources: the list's filters (described from DocumentFilter itself,
so the schema follows the one definition of the filters), its facets, its changes
(``?updated_since=``) and its page; a document; and the JSON Lines export. What every operation
shares is schema.py's."""

import django_filters
from drf_spectacular.extensions import OpenApiFilterExtension, OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from ..filters import MAX_VALUES, DocumentFilter, FacetFilter, PartialDateFilter
from ..models import DocumentChange
from .parameters import FACET_NAMES
from .schema import NOT_BLANK, fields_parameter, names_parameter
from .serializers.read import DocumentDetailSerializer, DocumentListSerializer

# The partial dates the filters take (dates.parse_partial_date()): YYYY, YYYY-MM or YYYY-MM-DD (months and
# days of one or two digits, spaces around), real Gregorian days only, year 0001 to 9999; or nothing.
_YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_DAYS = "((0?[13578]|1[02])-(0?[1-9]|[12][0-9]|3[01])|(0?[469]|11)-(0?[1-9]|[12][0-9]|30)|0?2-(0?[1-9]|1[0-9]|2[0-8]))"
DATE_PATTERN = rf"^\s*({_YEAR}(-(0?[1-9]|1[0-2]))?|{_YEAR}-{_DAYS}|{_LEAP_YEAR}-0?2-29)?\s*$"


# -- the document list's filters, from DocumentFilter ----------------------------------------------


FILTER_HELP = {
    "q": 'Full-text search: words, "a phrase", -exclude, or `or` between alternatives. Ranked by relevance.',
    "date_from": "Documents whose date overlaps from here: YYYY, YYYY-MM or YYYY-MM-DD.",
    "date_to": "Documents whose date overlaps up to here: YYYY, YYYY-MM or YYYY-MM-DD.",
    "language": "An ISO 639 code (see /api/v1/languages/); repeat the parameter for any of several.",
    "sort": "`relevance` (the default with `q`), `-date` (the default without), `date`, `title`, `-published`.",
}


class DocumentFilterParameters(OpenApiFilterExtension):
    """The list's filters are the /documents/ page's DocumentFilter: described from its filters."""

    target_class = "documents.api.views.DocumentFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        if not auto_schema._is_list_view():
            return []
        parameters = []
        for name, filter_ in DocumentFilter.base_filters.items():
            description = FILTER_HELP.get(name)
            schema = {"type": "string"}
            explode = None
            if isinstance(filter_, FacetFilter):
                schema = {
                    "type": "array",
                    "items": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
                    "maxItems": MAX_VALUES,  # and at most as many in all filters together
                }
                explode = True
                description = description or (
                    f"{filter_.label}: a slug (see its `documents_api_url`); repeat the parameter for any of several."
                )
            elif isinstance(filter_, PartialDateFilter):
                schema = {"type": "string", "pattern": DATE_PATTERN}
            elif isinstance(filter_, django_filters.ChoiceFilter):
                # Empty is the default, as on the page.
                schema = {"type": "string", "enum": ["", *(value for value, _ in filter_.extra["choices"])]}
            elif name == "q":
                schema = {"type": "string", "maxLength": filter_.extra.get("max_length")}
            parameter = {
                "name": name,
                "in": "query",
                "required": False,
                "description": description or str(filter_.label),
                "schema": {key: value for key, value in schema.items() if value is not None},
            }
            if explode:
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
        return parameters


# -- documents -------------------------------------------------------------------------------------


class FacetValueSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The value to filter by (a slug, or a language code).")
    label = serializers.CharField()
    count = serializers.IntegerField()
    selected = serializers.BooleanField(help_text="Chosen in this request's filters.")


class FacetSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=FACET_NAMES)
    label = serializers.CharField()
    truncated = serializers.BooleanField(help_text="More values exist than are listed.")
    values = FacetValueSerializer(many=True)


class DocumentChangeSerializer(serializers.Serializer):
    """With ``updated_since``: a change. An ``updated`` one also carries the list entry's fields;
    ``unpublished`` and ``deleted`` are tombstones: remove the record from your copy."""

    record_id = serializers.IntegerField()
    deleted = serializers.BooleanField()
    change = serializers.ChoiceField(choices=["updated", *DocumentChange.Kind.values])
    changed_at = serializers.DateTimeField()


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="DocumentListEntry",
        serializers=[DocumentListSerializer, DocumentChangeSerializer],
        resource_type_field_name=None,
        many=True,
    )
)
class DocumentResultsField(serializers.ListField):
    """Documents, or with ``updated_since`` changes (anyOf: see any_of_entries)."""


@extend_schema_serializer(many=False)  # already the whole page: no pagination wrapper around it
class DocumentPageSerializer(serializers.Serializer):
    """A page of the document list: the ``next`` link, ``count`` and ``facets`` on request, and the results."""

    next = serializers.URLField(allow_null=True, help_text="The next page (also the `Link` header); null on the last.")
    count = serializers.IntegerField(required=False, help_text="With `count=true`: the number of matches.")
    facets = FacetSerializer(many=True, required=False, help_text="With `facets=`: the facets asked for, in order.")
    results = DocumentResultsField()


DOCUMENT_LIST_PARAMETERS = [
    names_parameter(
        "facets",
        FACET_NAMES,
        "Facet counts to add, comma-separated (one facet of people at a time). Each counts as if its own "
        "selection were cleared.",
    ),
    OpenApiParameter("count", bool, description="`true` adds `count`, the number of matching documents."),
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description=(
            "Every change since this time (ISO 8601, inclusive; a date alone means its midnight UTC), oldest "
            "first: edited or published documents, and tombstones of unpublished or deleted ones. "
            "Takes `fields`, `page_size`, `cursor` and `count`, no filters or facets."
        ),
    ),
]

document_views = extend_schema_view(
    list=extend_schema(
        summary="Documents: search, filter, facets, changes",
        parameters=DOCUMENT_LIST_PARAMETERS,
        responses={
            (200, "application/json"): DocumentPageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    ),
    retrieve=extend_schema(summary="A document, by record ID", responses={200: DocumentDetailSerializer}),
)


class DocumentExportSchema(OpenApiViewExtension):
    """/api/v1/documents/export.jsonl: a stream of JSON Lines, described here (export.py is plain)."""

    target_class = "documents.api.export.DocumentExportView"

    def view_replacement(self):
        @extend_schema(
            summary="Every document, as JSON Lines",
            description=(
                "Every document the client may see, one JSON object a line in the shape of "
                "`/api/v1/documents/{record_id}/`, in record ID order; streamed in constant memory."
            ),
            parameters=[fields_parameter(DocumentDetailSerializer)],
            responses={(200, "application/jsonl"): OpenApiTypes.STR},
        )
        class Fixed(self.target_class):
            def get_serializer(self, *args, **kwargs):  # for the schema only
                return DocumentDetailSerializer(*args, **kwargs)

        return Fixed

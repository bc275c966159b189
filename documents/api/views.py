"""The API's resources: one viewset per resource on one router (urls.py).

Visibility is the site's own rule, applied in each get_queryset(): Document.objects.visible_to(user)
and the public() querysets of people, donors, collections and terms. A draft is a 404 (its record
ID is not revealed), and nested lists (related documents, relations, facet counts) only name what
the same user could open. Reads and writes come from the mixins of mixins.py; writes (staff only,
with the admin's permissions, If-Match and history) follow each resource's rules in writes.py."""

from django.db.models import Q
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import routers, viewsets
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ..filters import DocumentFilter
from ..models import (
    Classification,
    Collection,
    Document,
    DocumentType,
    Donor,
    Language,
    Person,
    Relation,
    RelationType,
)
from ..models.querysets import can_preview
from ..ops.stamps import request_stamp
from ..ops.unavailable import retry_later
from ..search import SearchUnavailable
from ..search import facets as site_facets
from ..search.people import role_counts
from . import writes
from .changes import DocumentChangesView
from .conditional import ConditionalMixin
from .errors import SEARCH_DOWN, InvalidParameters, error_body, raise_missing_document
from .mixins import ReadableMixin, WritableMixin
from .parameters import flag, record_id_parameter, requested_facets
from .schema import relation_views
from .schema_documents import document_views
from .serializers.read import (
    ClassificationSerializer,
    CollectionSerializer,
    DocumentDetailSerializer,
    DocumentListSerializer,
    DocumentTypeSerializer,
    DonorSerializer,
    LanguageSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    RelationSerializer,
    RelationTypeSerializer,
)


def related_of(documents, user):
    """Each document's related documents, worded from its side (Relation.objects.related_to, as the
    document page), set as ``api_related``: for a page or a chunk of documents in one query."""
    found = Relation.objects.related_to(documents, user)
    for document in documents:
        document.api_related = found[document.pk]
    return documents


class RootView(ConditionalMixin, routers.APIRootView):
    """/api/v1/: the address of each resource, and of the API's documentation and OpenAPI schema."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.data["documentation"] = reverse("api:docs", request=request)
        response.data["schema"] = reverse("api:schema", request=request)
        return response


class ReadOnlyViewSet(ReadableMixin, viewsets.GenericViewSet):
    """A resource that clients only read (list and retrieve): the vocabularies."""


class ReadWriteViewSet(WritableMixin, ReadableMixin, viewsets.GenericViewSet):
    """A resource that staff also write (create, update, partial_update, destroy; mixins.py), each
    with its own rules (writes.py): documents, people, donors, collections and relations."""


# -- documents ------------------------------------------------------------------------------------


class DocumentFilterBackend(DjangoFilterBackend):
    """The site's DocumentFilter, as the list page uses it; the view keeps the filterset (its
    matching ids give the count and its state the facets), and invalid values are a 400 with
    the messages per parameter."""

    def valid_filterset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise InvalidParameters(
                {
                    ("filters" if name == "__all__" else name): list(messages)
                    for name, messages in filterset.errors.items()
                },
                message=" ".join(f"{label}: {message}" for label, message in filterset.errors_for_reader()),
                code="invalid_filter",
            )
        return filterset


def search_down():
    """The answer while the search index cannot be read (docs/search.md, "When the index fails")."""
    return retry_later(Response(error_body(503, "search_unavailable", SEARCH_DOWN), status=503))


@document_views
class DocumentViewSet(writes.DocumentWrites, ReadWriteViewSet):
    """Published documents (staff also see drafts), by record ID.

    The list takes the /documents/ page's parameters (q, date_from, date_to, type, language,
    classification, person, author, recipient, participant, mentioned, donor, collection, sort),
    and ``facets``, ``count``, ``fields``, ``cursor``, ``page_size``, ``updated_since``, ``format``."""

    serializer_class = DocumentListSerializer
    detail_serializer_class = DocumentDetailSerializer
    lookup_field = "record_id"
    lookup_value_regex = r"[0-9]+"
    filter_backends = [DocumentFilterBackend]
    filterset_class = DocumentFilter

    def get_queryset(self):
        documents = Document.objects.visible_to(self.request.user)
        # A write answers with the detail shape too.
        return documents.for_list() if self.action == "list" else documents.for_detail()

    def get_object(self):
        record_id = int(self.kwargs["record_id"])
        document = self.get_queryset().filter(record_id=record_id).first()
        if document is None:
            raise_missing_document(record_id, self.request.user)
        related_of([document], self.request.user)
        linked = [
            document,
            *(item.document for item in document.api_related),
            *(link.person for link in document.person_links.all()),
            *document.donors.all(),
            *document.collections.all(),
        ]
        self.last_modified = max(record.modified_at for record in linked)
        self.versioned = document
        return document

    def list(self, request, *args, **kwargs):
        if "updated_since" in request.query_params:  # the changes since a time: a resource of their own
            return self.answer_with(DocumentChangesView, request)
        wanted = requested_facets(request)
        fields = self.selected_fields()
        with_count = flag(request, "count")
        filterset = self.filterset = self.filter_backends[0]().valid_filterset(request, self.get_queryset(), self)
        try:
            search = filterset.search()
            page = self.paginator.paginate_search(
                search, filterset.order(), Document.objects.visible_to(request.user), request
            )
        except SearchUnavailable:
            return search_down()
        self.last_modified = request_stamp(request)
        extra = {}
        if with_count:
            extra["count"] = search.count()
        if wanted:
            extra["facets"] = self.facets(request, wanted)
        data = self.get_serializer(page, many=True, fields=fields).data
        return self.paginator.get_paginated_response(data, extra)

    # -- facets ---------------------------------------------------------------------------------

    def facets(self, request, wanted):
        """The list page's facets (documents/search/facets.py) for the same filters, as JSON."""
        query = request.query_params.copy()
        people = [name for name in wanted if name in site_facets.PERSON_FACETS]
        query["role"] = {"person": "any"}.get(people[0], people[0]) if people else "any"
        built = {facet.name: facet for facet in site_facets.build_facets(self.filterset, query)}
        return [
            {
                "name": facet.name,
                "label": facet.label,
                "truncated": facet.truncated,
                "values": [
                    {"key": value.key, "label": value.label, "count": value.count, "selected": value.selected}
                    for value in facet.values
                ],
            }
            for facet in (built[name] for name in wanted)
        ]


# -- people, donors, collections ------------------------------------------------------------------


class PersonViewSet(writes.PersonWrites, ReadWriteViewSet):
    """People and organisations named in documents the client may see, by slug, with their aliases."""

    serializer_class = PersonSerializer
    detail_serializer_class = PersonDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Person).with_published_counts().prefetch_related("aliases")

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        try:
            person.api_role_counts = role_counts(person, not can_preview(request.user))
        except SearchUnavailable:
            return search_down()
        return Response(self.get_serializer(person).data)


class DonorViewSet(writes.DonorWrites, ReadWriteViewSet):
    """Donors of documents the client may see, by slug."""

    serializer_class = DonorSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Donor).with_published_counts()


class CollectionViewSet(writes.CollectionWrites, ReadWriteViewSet):
    """Collections with documents the client may see, by slug."""

    serializer_class = CollectionSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Collection).with_published_counts()


# -- vocabularies and relations -------------------------------------------------------------------


class DocumentTypeViewSet(ReadOnlyViewSet):
    """Types of document in use, by slug."""

    serializer_class = DocumentTypeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(DocumentType).with_published_counts()


class ClassificationViewSet(ReadOnlyViewSet):
    """Original classifications in use, by slug."""

    serializer_class = ClassificationSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Classification).with_published_counts()


class LanguageViewSet(ReadOnlyViewSet):
    """Languages of originals in use, by ISO 639 code."""

    serializer_class = LanguageSerializer
    lookup_field = "code"

    def get_queryset(self):
        return self.public_queryset(Language).with_published_counts()


def visible_relations(user):
    return Relation.objects.visible_to(user).select_related("source", "target", "type")


class RelationTypeViewSet(ReadOnlyViewSet):
    """Kinds of link between documents, with their wording from each end: those in use."""

    serializer_class = RelationTypeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        if can_preview(self.request.user):
            return RelationType.objects.all()
        return RelationType.objects.filter(pk__in=visible_relations(self.request.user).values("type"))


@relation_views
class RelationViewSet(writes.RelationWrites, ReadWriteViewSet):
    """Typed links between two documents the client may see; ``?document=<record ID>`` for one
    document's links (either end)."""

    serializer_class = RelationSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        relations = visible_relations(self.request.user)
        if self.action == "list" and "document" in self.request.query_params:  # given, it is a record ID
            record_id = record_id_parameter(self.request, "document")
            relations = relations.filter(Q(source__record_id=record_id) | Q(target__record_id=record_id))
        return relations

    def get_object(self):
        relation = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if relation is None:
            raise Http404("No relation at this address.")
        self.last_modified = max(relation.source.modified_at, relation.target.modified_at)
        return relation

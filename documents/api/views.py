"""The API's read side: one viewset per resource on one router (urls.py).

Visibility is the site's own rule, applied in each get_queryset(): Document.objects.visible_to(user)
and the public() querysets of people, donors, collections and terms. A draft is a 404 (its record
ID is not revealed), and nested lists (related documents, relations, facet counts) only name what
the same user could open. Writes (staff only, with the admin's permissions, If-Match and history)
come from the mixins of writes.py."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import routers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

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
from ..search.people import role_counts
from ..web import facets as site_facets
from ..web.headers import reader_headers
from . import changes, etags, writes
from .errors import SEARCH_DOWN, InvalidParameters, error_body
from .pagination import CursorPagination
from .renderers import CSVRenderer
from .schema import MAX_RECORD_ID, RECORD_ID, document_views, relation_views
from .serializers import (
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

# Anonymous responses may be kept this long by caches; after it, they revalidate (ETag, 304).
PUBLIC_MAX_AGE = 60


def related_of(documents, user):
    """Each document's related documents, worded from its side (Relation.objects.related_to, as the
    document page), set as ``api_related``: for a page or a chunk of documents in one query."""
    found = Relation.objects.related_to(documents, user)
    for document in documents:
        document.api_related = found[document.pk]
    return documents


def listed_names(request, name):
    """The names of ?name=a,b as given (None without the parameter): the schema's comma-separated array
    (schema.names_parameter), so an empty value names nothing and is a 400."""
    given = request.query_params.get(name)
    if given is None:
        return None
    if not given:
        raise InvalidParameters({name: ["Name at least one, or leave the parameter out."]}, message=f"{name} is empty.")
    return given.split(",")


def selected_fields(request, serializer_class, context=None):
    """The field names of ?fields=a,b (None: all), each exactly a name the serializer has, as the schema
    lists them; else a 400."""
    names = listed_names(request, "fields")
    if names is None:
        return None
    known = list(serializer_class(context=context or {"request": request}).fields)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidParameters(
            {"fields": [f"Unknown field: {name}." for name in unknown] + [f"Choose from: {', '.join(known)}."]},
            message=f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
            code="unknown_field",
        )
    return names


class ConditionalMixin:
    """Validators on every successful read, errors in JSON whatever the format asked for."""

    last_modified = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors are JSON whatever format was asked for.
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        if request.method in ("GET", "HEAD") and isinstance(response, Response) and response.status_code == 200:
            return self.conditional(request, response)
        return response

    # The versioned record a read shows: its ETag names (and signs) its version, for If-Match (etags.py).
    versioned = None

    def etag_of(self, request, data):
        """The ETag of a representation: its data and format (the same for a GET and a write's answer)."""
        renderer = getattr(request, "accepted_renderer", None)
        return etags.entity_tag(data, renderer.format if renderer else "", self.versioned)

    def conditional(self, request, response):
        """ETag from the representation itself (its data and format: nested records included, so
        a renamed person changes it too), Last-Modified from the records' times; 304 when the
        client's copy is current. The response is built first: a 304 saves sending it."""
        etag = self.etag_of(request, response.data)
        response["ETag"] = etag
        timestamp = int(self.last_modified.timestamp()) if self.last_modified else None
        if timestamp is not None:
            response["Last-Modified"] = http_date(timestamp)
        patch_vary_headers(response, ["Accept"])
        reader_headers(response, not can_preview(request.user), PUBLIC_MAX_AGE)
        return get_conditional_response(request, etag=etag, last_modified=timestamp, response=response)


class RootView(ConditionalMixin, routers.APIRootView):
    """/api/v1/: the address of each resource."""


class ReadOnlyViewSet(ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    """The parts every resource shares: ?fields=, cursor pages, CSV, validators and JSON errors."""

    pagination_class = CursorPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    detail_serializer_class = None

    # -- ?fields= -------------------------------------------------------------------------------

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class

    def selected_fields(self):
        if self.request is None:  # e.g. a schema generator
            return None
        return selected_fields(self.request, self.get_serializer_class(), self.get_serializer_context())

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("fields", self.selected_fields())
        return super().get_serializer(*args, **kwargs)

    # -- lists ----------------------------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        fields = self.selected_fields()  # checked before the page is read
        page = self.paginate_queryset(queryset)
        self.last_modified = self.list_last_modified(page)
        data = self.get_serializer(page, many=True, fields=fields).data
        return self.get_paginated_response(data)

    def list_last_modified(self, page):
        stamps = [request_stamp(self.request), *(getattr(row, "modified_at", None) for row in page)]
        return max((stamp for stamp in stamps if stamp is not None), default=None)

    def retrieve(self, request, *args, **kwargs):
        found = self.get_object()
        if not isinstance(found, self.queryset_model()):
            return found  # a redirect from an old slug
        fields = self.selected_fields()
        return Response(self.get_serializer(found, fields=fields).data)

    def queryset_model(self):
        return self.get_serializer_class().Meta.model

    # -- one record, by its slug; an old slug answers 301 ---------------------------------------

    def public_queryset(self, model):
        return model.objects.visible_to(self.request.user)

    def get_object(self):
        value = self.kwargs[self.lookup_field]
        queryset = self.get_queryset()
        found = queryset.filter(**{self.lookup_field: value}).first()
        if found is not None:
            self.last_modified = max(
                (s for s in (getattr(found, "modified_at", None), request_stamp(self.request)) if s), default=None
            )
            self.versioned = found if hasattr(found, "version") else None
            return found
        model = queryset.model
        if self.lookup_field == "slug":
            moved = queryset.resolve_old_slug(value)
            if moved is not None:
                target = self.reverse_action("detail", kwargs={"slug": moved.slug})
                query = self.request.GET.urlencode()
                return redirect(f"{target}?{query}" if query else target, permanent=True)
        raise Http404(f"No {model._meta.verbose_name} at this address.")


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


FACET_NAMES = ("type", "classification", "language", "donor", "collection", *site_facets.PERSON_FACETS)
TRUE, FALSE = "true", "false"  # a boolean in the schema: exactly these
FILTER_PARAMETERS = tuple(DocumentFilter.base_filters)


def search_down():
    """The answer while the search index cannot be read (docs/search.md, "When the index fails")."""
    return retry_later(Response(error_body(503, "search_unavailable", SEARCH_DOWN), status=503))


def flag(request, name):
    value = request.query_params.get(name, FALSE)
    if value not in (TRUE, FALSE):
        raise InvalidParameters({name: ["true or false."]}, message=f"{name} is true or false.")
    return value == TRUE


@document_views
class DocumentViewSet(writes.DocumentWrites, ReadOnlyViewSet):
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
            writes.raise_missing_document(record_id, self.request.user)
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
        if "updated_since" in request.query_params:
            return self.changes(request)
        wanted = self.requested_facets(request)
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

    def requested_facets(self, request):
        names = listed_names(request, "facets") or []
        unknown = [name for name in names if name not in FACET_NAMES]
        if unknown:
            raise InvalidParameters(
                {
                    "facets": [f"Unknown facet: {name}." for name in unknown]
                    + [f"Choose from: {', '.join(FACET_NAMES)}."]
                },
                message=f"Unknown facet: {', '.join(unknown)}.",
                code="unknown_facet",
            )
        people = [name for name in names if name in site_facets.PERSON_FACETS]
        if len(people) > 1:
            raise InvalidParameters(
                {
                    "facets": [
                        "One facet of people at a time: person (any role), author, recipient, participant or mentioned."
                    ]
                },
                message="One facet of people at a time.",
            )
        return names

    def facets(self, request, wanted):
        """The list page's facets (documents/web/facets.py) for the same filters, as JSON."""
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

    # -- ?updated_since= ------------------------------------------------------------------------

    def changes(self, request):
        mixed = [name for name in (*FILTER_PARAMETERS, "facets") if request.query_params.get(name)]
        if mixed:
            raise InvalidParameters(
                {name: ["Not with updated_since: the changes are every change, in time order."] for name in mixed},
                message=f"updated_since cannot be combined with {', '.join(mixed)}.",
                code="not_with_updated_since",
            )
        since = changes.parse_since(request.query_params["updated_since"])
        fields = self.selected_fields()
        paginator = self.paginator
        paginator.request, paginator.page_size = request, paginator.get_page_size(request)
        paginator.order_tag = "changes"
        cursor = paginator.decode_cursor(request)
        after, total = changes.decode_cursor(cursor) if cursor else (None, None)
        if flag(request, "count") and total is None:
            total = changes.count(request.user, since)  # once, on the first page: the cursor carries it on
        rows, more = changes.page(request.user, since, paginator.page_size, after)
        live = [rid for _, rid, change in rows if change == changes.UPDATED]
        documents = {
            document.record_id: document
            for document in Document.objects.visible_to(request.user).for_list().filter(record_id__in=live)
        }
        results = []
        for at, rid, change in rows:
            if change != changes.UPDATED:
                results.append(changes.tombstone(rid, change, at))
            elif rid in documents:  # unpublished since the page was read: its tombstone follows
                data = self.get_serializer(documents[rid], fields=fields).data
                results.append({**data, "record_id": rid, "deleted": False, "change": change, "changed_at": at})
        with_count = flag(request, "count")
        paginator.next_cursor = changes.encode_cursor(rows[-1], total if with_count else None) if more else None
        extra = {"count": total} if with_count else {}
        self.last_modified = request_stamp(request)
        return paginator.get_paginated_response(results, extra)


# -- people, donors, collections ------------------------------------------------------------------


class PersonViewSet(writes.PersonWrites, ReadOnlyViewSet):
    """People and organisations named in documents the client may see, by slug, with their aliases."""

    serializer_class = PersonSerializer
    detail_serializer_class = PersonDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Person).with_published_counts().prefetch_related("aliases")

    def retrieve(self, request, *args, **kwargs):
        found = self.get_object()
        if isinstance(found, Person):
            try:
                found.api_role_counts = role_counts(found, not can_preview(request.user))
            except SearchUnavailable:
                return search_down()
            return Response(self.get_serializer(found).data)
        return found


class DonorViewSet(writes.DonorWrites, ReadOnlyViewSet):
    """Donors of documents the client may see, by slug."""

    serializer_class = DonorSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return self.public_queryset(Donor).with_published_counts()


class CollectionViewSet(writes.CollectionWrites, ReadOnlyViewSet):
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


def record_id_parameter(request, name):
    """The record ID in ?name=: ASCII digits (not "²" nor "١", which str.isdigit() takes), no
    larger than a record ID can be; else a 400 naming the parameter."""
    value = request.query_params.get(name, "").strip()
    if not RECORD_ID.fullmatch(value) or int(value) > MAX_RECORD_ID:
        raise InvalidParameters(
            {name: ["A record ID: a whole number, e.g. 121773."]}, message=f"{name} is not a record ID."
        )
    return int(value)


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
class RelationViewSet(writes.RelationWrites, ReadOnlyViewSet):
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

"""The facet table (models/facets.py), kept in step with documents.

Every row comes from one of the SELECTs in _sources(), run as INSERT ... SELECT: for a few
documents on each write (reindex), for all of them by rebuild(). The same statements serve
both, so what a write leaves and what a rebuild makes cannot differ."""

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, IntegerField, Q, Value

from ..dates import Year
from ..models import Document, DocumentFacet, DocumentPerson, FacetCount, FacetKind

ROLE_FACETS = {
    DocumentPerson.Role.AUTHOR: FacetKind.AUTHOR,
    DocumentPerson.Role.RECIPIENT: FacetKind.RECIPIENT,
    DocumentPerson.Role.PARTICIPANT: FacetKind.PARTICIPANT,
    DocumentPerson.Role.MENTIONED: FacetKind.MENTIONED,
}
# pg_advisory_xact_lock's key for lock_shared_rows() ("Shar").
SHARED_ROWS_LOCK = 0x5368_6172
MANY_TO_MANY = {FacetKind.LANGUAGE: "languages", FacetKind.DONOR: "donors", FacetKind.COLLECTION: "collections"}


def _row(queryset, document, facet, value, status):
    """queryset as (document_id, facet, value, published) rows."""
    published = ExpressionWrapper(Q(**{status: Document.Status.PUBLISHED}), output_field=BooleanField())
    return (
        queryset.order_by()
        .annotate(f_document=document, f_facet=Value(int(facet), IntegerField()), f_value=value, f_published=published)
        .values_list("f_document", "f_facet", "f_value", "f_published")
    )


def _sources(ids=None):
    """[(queryset of rows, the field that names the document)], limited to ids if given."""
    documents = Document.objects.all()
    sources = [
        (_row(documents.filter(doc_type__isnull=False), F("pk"), FacetKind.TYPE, F("doc_type_id"), "status"), "pk"),
        (
            _row(
                documents.filter(classification__isnull=False),
                F("pk"),
                FacetKind.CLASSIFICATION,
                F("classification_id"),
                "status",
            ),
            "pk",
        ),
        (_row(documents.filter(date__isnull=False), F("pk"), FacetKind.YEAR, Year("date"), "status"), "pk"),
    ]
    for facet, name in MANY_TO_MANY.items():
        field = Document._meta.get_field(name)
        links = field.remote_field.through.objects.all()
        target = f"{field.m2m_reverse_field_name()}_id"
        sources.append((_row(links, F("document_id"), facet, F(target), "document__status"), "document_id"))
    links = DocumentPerson.objects.all()
    # A person in several roles counts once under "any role".
    anyone = links.distinct()
    sources.append(
        (_row(anyone, F("document_id"), FacetKind.PERSON, F("person_id"), "document__status"), "document_id")
    )
    for role, facet in ROLE_FACETS.items():
        sources.append(
            (
                _row(links.filter(role=role), F("document_id"), facet, F("person_id"), "document__status"),
                "document_id",
            )
        )
    if ids is not None:
        sources = [(queryset.filter(**{f"{key}__in": ids}), key) for queryset, key in sources]
    return [queryset for queryset, _ in sources]


def _insert(queryset):
    sql, params = queryset.query.sql_with_params()
    table = DocumentFacet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (document_id, facet, value, published) {sql}", params)


def _pairs(ids):
    return set(DocumentFacet.objects.filter(document_id__in=ids).values_list("facet", "value"))


def reindex(ids):
    """Replace the facet rows of these documents (deleted ones lose theirs) and refresh the
    counts of every value they had or have."""
    ids = list(ids)
    if not ids:
        return
    with transaction.atomic():
        before = _pairs(ids)
        DocumentFacet.objects.filter(document_id__in=ids).delete()
        for queryset in _sources(ids):
            _insert(queryset)
        refresh_counts(before | _pairs(ids))


def refresh_counts(pairs):
    """Recount these (facet, value) pairs from the facet rows: an upsert, so two writers
    refreshing the same value never collide; values no document carries any more go."""
    by_facet = {}
    for facet, value in pairs:
        by_facet.setdefault(facet, []).append(value)
    for facet, values in by_facet.items():
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            counted = (
                DocumentFacet.objects.filter(facet=facet, value__in=chunk)
                .values("value")
                .annotate(total=Count("*"), published=Count("value", filter=Q(published=True)))
                .values_list("value", "published", "total")
            )
            rows = [FacetCount(facet=facet, value=v, published=p, total=t) for v, p, t in counted]
            FacetCount.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["facet", "value"], update_fields=["published", "total"]
            )
            gone = set(chunk) - {row.value for row in rows}
            if gone:
                FacetCount.objects.filter(facet=facet, value__in=gone).delete()


def lock_shared_rows():
    """Make this transaction, until it ends, the only one writing rows that many documents share: the
    facet counts and the words of "did you mean" (PostgreSQL; SQLite runs one writer at a time anyway).

    One save writes them several times (the document, then each of its people, languages, donors...),
    each time for other values, in an order that differs from save to save; two saves with row locks
    taken so would deadlock. With this one lock taken first, they wait for each other instead, and a
    count is recounted only once the writer before has committed, so it misses none of its rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SHARED_ROWS_LOCK])


def rebuild():
    """Every document's facet rows and every count, from scratch, in one transaction (readers
    keep the old rows until it commits)."""
    with transaction.atomic():
        lock_shared_rows()
        DocumentFacet.objects.all().delete()
        FacetCount.objects.all().delete()
        for queryset in _sources():
            _insert(queryset)
        counted = (
            DocumentFacet.objects.values("facet", "value")
            .annotate(published=Count("value", filter=Q(published=True)), total=Count("*"))
            .values_list("facet", "value", "published", "total")
        )
        sql, params = counted.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FacetCount._meta.db_table} (facet, value, published, total) {sql}", params)
            # Fresh statistics, so that planners read a set of documents' rows by document id.
            for model in (DocumentFacet, FacetCount):
                cursor.execute(f"ANALYZE {model._meta.db_table}")

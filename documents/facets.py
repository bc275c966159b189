"""Facet counts beside the document list.

Each facet counts the documents that every other active filter (and the search) selects, as if
its own selection were cleared, so a reader can widen as well as narrow. Values within a facet
combine with OR, facets with AND (filters.py). One query per facet, whatever the number of rows."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from .dates import Year
from .models import Document, DocumentPerson, Person

TOP = 10  # values shown before "show all"
# Above the paginator's cap, facets count a systematic sample of about this many documents
# (every k-th id) and scale up: labelled approximate, and exact below the cap.
SAMPLE_SIZE = 20_000
ALL = 200  # values shown by "show all"; the find box reaches the rest

PERSON_ROLES = {
    "any": ("person", "any role"),
    "author": ("author", "author"),
    "recipient": ("recipient", "recipient"),
    "participant": ("participant", "participant"),
    "mentioned": ("mentioned", "mentioned"),
}


@dataclass
class FacetValue:
    key: str
    label: str
    count: int
    selected: bool
    query: str = ""  # the query string that toggles this value


@dataclass
class Facet:
    name: str  # the URL parameter the facet sets
    label: str
    values: list = field(default_factory=list)
    truncated: bool = False  # more values exist than are shown
    showing_all: bool = False
    find: str = ""  # the text of the facet's find box, and its URL parameter
    find_param: str = ""
    role: str = ""  # the person facet only: the role chosen, and links to the others
    roles: list = field(default_factory=list)
    approximate: bool = False


def _toggle(query, name, key):
    """The query string with key added to or removed from parameter name (and page reset)."""
    query = query.copy()
    query.pop("page", None)
    values = query.getlist(name)
    query.setlist(name, [v for v in values if v != key] if key in values else [*values, key])
    return query.urlencode()


def _counts(queryset, key, label, count_field, limit, selected, distinct=False):
    """(key, label, count) rows, most frequent first: the top `limit` plus any selected value
    outside them, and whether more exist. The limit is applied in SQL."""
    grouped = (
        queryset.order_by()
        .values_list(key, label)
        .annotate(n=Count(count_field, distinct=distinct))
        .order_by("-n", label)
    )
    rows = list(grouped[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    missing = set(selected) - {str(row[0]) for row in rows}
    if missing:
        rows += list(grouped.filter(**{f"{key}__in": missing}))
    return rows, truncated


def sample_stride(matches_capped):
    """1 (count everything) unless the matches passed the cap; then k, to count every k-th id."""
    if not matches_capped:
        return 1
    highest = Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return max(1, highest // SAMPLE_SIZE)


def _documents(filterset, *names, stride=1):
    """The documents every filter but names selects, every stride-th id of them."""
    documents = filterset.queryset_without(*names).order_by()
    return documents.alias(sample=F("pk") % stride).filter(sample=0) if stride > 1 else documents


def build_facets(filterset, query, stride=1):
    """All facets for the list page: [Facet], computed from the filterset's current state;
    counts are scaled estimates when stride > 1 (see sample_stride)."""
    show_all = query.get("all", "")
    facets = []

    def add(name, label, queryset, key, label_field, count_field="pk", find_param=None, distinct=False):
        selected = query.getlist(name)
        limit = ALL if show_all == name else TOP
        find_param = find_param or f"find_{name}"
        find = query.get(find_param, "").strip()[:100]
        if find and find_param != "find_person":
            queryset = queryset.filter(**{f"{label_field}__icontains": find})
        rows, truncated = _counts(queryset, key, label_field, count_field, limit, selected, distinct)
        values = [
            FacetValue(str(k), text, n * stride, str(k) in selected, _toggle(query, name, str(k)))
            for k, text, n in rows
        ]
        facet = Facet(name, label, values, truncated, show_all == name, find, find_param, approximate=stride > 1)
        facets.append(facet)
        return facet

    for name, label, fk in [
        ("type", "Type", "doc_type"),
        ("classification", "Original classification", "classification"),
    ]:
        documents = _documents(filterset, name, stride=stride).filter(**{f"{fk}__isnull": False})
        add(name, label, documents, f"{fk}__slug", f"{fk}__name")

    for name, label, relation, key in [
        ("language", "Language", "languages", "code"),
        ("donor", "Donor", "donors", "slug"),
        ("collection", "Collection", "collections", "slug"),
    ]:
        field = Document._meta.get_field(relation)
        target = field.m2m_reverse_field_name()
        links = field.remote_field.through.objects.filter(document__in=_ids(filterset, name, stride))
        add(name, label, links, f"{target}__{key}", f"{target}__name", count_field="document")

    role = query.get("role") if query.get("role") in PERSON_ROLES else "any"
    name, role_label = PERSON_ROLES[role]
    links = DocumentPerson.objects.filter(document__in=_ids(filterset, name, stride))
    if role != "any":
        links = links.filter(role=role)
    find = query.get("find_person", "").strip()[:100]
    if find:
        # Any alias finds the person: "Instantsiya" finds Stalin.
        matching = Person.objects.filter(Q(name__icontains=find) | Q(aliases__name__icontains=find))
        links = links.filter(person__in=matching.values("pk"))
    # Links are unique per document, person and role (a constraint), and languages, donors and
    # collections per document and value: only "any role" can count a document twice.
    facet = add(
        name,
        f"People ({role_label})",
        links,
        "person__slug",
        "person__name",
        "document",
        "find_person",
        distinct=role == "any",
    )
    facet.role = role
    facet.roles = [(key, label, _role_query(query, key)) for key, (_, label) in PERSON_ROLES.items()]
    return facets


def _ids(filterset, name, stride):
    return _documents(filterset, name, stride=stride).values("pk")


def _role_query(query, role):
    query = query.copy()
    query["role"] = role
    query.pop("page", None)
    return query.urlencode()


@dataclass
class Bar:
    label: str
    count: int
    percent: int
    query: str
    selected: bool


def date_histogram(filterset, query, stride=1):
    """Documents per decade, or per year when the chosen range is at most a decade, counted
    without the date range itself. Each bar links to the list narrowed to its span."""
    start, end = filterset.date_span()
    documents = _documents(filterset, "date_from", "date_to", stride=stride).filter(date__isnull=False)
    by_year = start and end and end.year - start.year < 10
    if by_year:
        documents = documents.filter(date__gte=start.replace(month=1, day=1), date__lte=end.replace(month=12, day=31))
    # Counted per year in SQL (a few dozen rows), summed into decades here.
    buckets = {}
    for year, n in documents.order_by().annotate(year=Year("date")).values_list("year").annotate(n=Count("pk")):
        bucket = year if by_year else year - year % 10
        buckets[bucket] = buckets.get(bucket, 0) + n * stride
    rows = sorted(buckets.items())
    peak = max((n for _, n in rows), default=0)
    bars = []
    for value, count in rows:
        first, last = (value, value) if by_year else (value, value + 9)
        selected = bool(start and end and start.year == first and end.year == last)
        link = query.copy()
        link.pop("page", None)
        if selected:
            link.pop("date_from", None)
            link.pop("date_to", None)
        else:
            link["date_from"], link["date_to"] = str(first), str(last)
        bars.append(
            Bar(str(value) if by_year else f"{value}s", count, round(100 * count / peak), link.urlencode(), selected)
        )
    return {"by_year": bool(by_year), "bars": bars, "approximate": stride > 1}

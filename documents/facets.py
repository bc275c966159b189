"""Facet counts beside the document list.

Each facet counts the documents that every other active filter (and the search) selects, as if
its own selection were cleared, so a reader can widen as well as narrow. Values within a facet
combine with OR, facets with AND (filters.py). Counts come from the facet table
(models/facets.py): a fixed number of queries, each reading a narrow index, whatever the
number of documents; see Counter."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from .idsets import among
from .models import (
    Classification,
    Collection,
    DocumentFacet,
    DocumentType,
    Donor,
    FacetCount,
    FacetKind,
    Language,
    Person,
)
from .search.facet_index import ROLE_FACETS

TOP = 10  # values shown before "show all"
# Counts are exact up to this many documents; above it, an evenly spread sample of this many
# is counted and scaled up, and the facet says so.
SAMPLE_SIZE = 10_000
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


# Each facet: URL parameter, heading, facet kind, the model its values are, and the field that
# names a value in URLs. The person facet's parameter and kind follow the role chosen.
FACETS = [
    ("type", "Type", FacetKind.TYPE, DocumentType, "slug"),
    ("classification", "Original classification", FacetKind.CLASSIFICATION, Classification, "slug"),
    ("language", "Language", FacetKind.LANGUAGE, Language, "code"),
    ("donor", "Donor", FacetKind.DONOR, Donor, "slug"),
    ("collection", "Collection", FacetKind.COLLECTION, Collection, "slug"),
]
PERSON_KINDS = {"person": FacetKind.PERSON, **{str(role): kind for role, kind in ROLE_FACETS.items()}}
# The query parameters the facets read besides the filters': "show all", the person facet's role and
# each facet's find box.
PARAMETERS = frozenset({"all", "role", "find_person", *(f"find_{spec[0]}" for spec in FACETS)})


class Counter:
    """Counts facet values for the documents a filterset selects with some filters cleared.

    Where nothing else is chosen, the counts are read from FacetCount (kept current on every
    write: exact, nothing to count). Otherwise the filterset gives the documents as a set of
    ids (each filter's ids read once per request, then intersected), and the facet table is
    counted for them in one grouped query per set of cleared filters, cut to the top values
    in SQL. Above SAMPLE_SIZE documents, an evenly spread sample of them is counted and the
    counts scaled: labelled approximate."""

    def __init__(self, filterset):
        self.filterset = filterset
        self.active = filterset.active()
        self.column = "published" if filterset.published_only() else "total"
        self.sampled = set()

    def unfiltered(self, cleared):
        return not (self.active - set(cleared))

    def approximate(self, cleared):
        return tuple(cleared) in self.sampled

    def count(self, kinds, cleared=(), limit=None, values=None):
        """{kind: [(value, count)]}, most frequent first (ties by value), at most limit per kind."""
        if self.unfiltered(cleared):
            return {kind: self._stored(kind, limit, values) for kind in kinds}
        found = {kind: [] for kind in kinds}
        ids = sorted(self.filterset.ids_without(*cleared))
        if not ids:
            return found
        scale = 1
        if len(ids) > SAMPLE_SIZE:
            step = -(-len(ids) // SAMPLE_SIZE)
            scale, ids = len(ids) / len(ids[::step]), ids[::step]
            self.sampled.add(tuple(cleared))
        rows = DocumentFacet.objects.filter(facet__in=kinds, document_id__in=among(ids))
        if values is not None:
            rows = rows.filter(value__in=values)
        grouped = rows.order_by().values("facet", "value").annotate(n=Count("value"))
        if limit is not None:
            grouped = grouped.annotate(
                rank=Window(RowNumber(), partition_by=F("facet"), order_by=[F("n").desc(), F("value")])
            ).filter(rank__lte=limit)
        for row in grouped.order_by("facet", "-n", "value"):
            found[row["facet"]].append((row["value"], round(row["n"] * scale)))
        return found

    def _stored(self, kind, limit, values):
        stored = FacetCount.objects.filter(facet=kind, **{f"{self.column}__gt": 0})
        if values is not None:
            stored = stored.filter(value__in=values)
        stored = stored.order_by(f"-{self.column}", "value").values_list("value", self.column)
        return list(stored[:limit] if limit is not None else stored)


def build_facets(filterset, query):
    """All facets for the list page: [Facet], computed from the filterset's current state."""
    counter = Counter(filterset)
    show_all = query.get("all", "")
    role = query.get("role") if query.get("role") in PERSON_ROLES else "any"
    person_name, role_label = PERSON_ROLES[role]
    specs = [
        *FACETS,
        (person_name, f"People ({role_label})", PERSON_KINDS[person_name], Person, "slug"),
    ]
    # Facets with nothing chosen and no find box share one query; the others have their own,
    # without their own selection.
    plain = [spec for spec in specs if not _chosen(query, spec[0]) and show_all != spec[0]]
    counted = counter.count([spec[2] for spec in plain], limit=TOP + 1) if plain else {}
    facets = []
    for name, label, kind, model, key_field in specs:
        selected = query.getlist(name)
        limit = ALL if show_all == name else TOP
        find_param = "find_person" if model is Person else f"find_{name}"
        find = query.get(find_param, "").strip()[:100]
        if kind in counted:
            rows = counted[kind]
        else:
            matching = _matching(model, find) if find else None
            rows = counter.count([kind], cleared=(name,), limit=limit + 1, values=matching)[kind]
        truncated = len(rows) > limit
        rows = rows[:limit]
        shown_ids = [value for value, _ in rows]
        terms = model.objects.only("pk", "name", key_field).filter(pk__in=shown_ids).order_by()
        terms = {term.pk: term for term in terms}
        # The chosen values stay in view even when they are not among the most frequent.
        missing = [term for term in filterset.form.cleaned_data.get(name) or [] if term.pk not in terms]
        if missing:
            rows += counter.count([kind], cleared=(name,), values=[term.pk for term in missing])[kind]
            terms.update((term.pk, term) for term in missing)
        shown = sorted(
            ((terms[value], n) for value, n in rows if value in terms), key=lambda row: (-row[1], row[0].name)
        )
        values = []
        for term, n in shown:
            key = str(getattr(term, key_field))
            values.append(FacetValue(key, term.name, n, key in selected, _toggle(query, name, key)))
        cleared = () if kind in counted else (name,)
        facet = Facet(
            name, label, values, truncated, show_all == name, find, find_param, approximate=counter.approximate(cleared)
        )
        if model is Person:
            facet.role = role
            facet.roles = [(key, text, _role_query(query, key)) for key, (_, text) in PERSON_ROLES.items()]
        facets.append(facet)
    return facets


def _chosen(query, name):
    find_param = "find_person" if name in PERSON_KINDS else f"find_{name}"
    return bool(query.getlist(name)) or bool(query.get(find_param, "").strip())


def _matching(model, find):
    """Ids of the terms whose name contains find; any alias finds a person ("Instantsiya" finds Stalin)."""
    if model is Person:
        condition = Q(name__icontains=find) | Q(aliases__name__icontains=find)
    else:
        condition = Q(name__icontains=find)
    return model.objects.filter(condition).values("pk")


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


def date_histogram(filterset, query):
    """Documents per decade, or per year when the chosen range is at most a decade, counted
    without the date range itself. Each bar links to the list narrowed to its span."""
    start, end = filterset.date_span()
    by_year = start and end and end.year - start.year < 10
    counter = Counter(filterset)
    cleared = ("date_from", "date_to")
    years = range(start.year, end.year + 1) if by_year else None
    # Counted per year (a few dozen rows), summed into decades here.
    buckets = {}
    for year, n in counter.count([FacetKind.YEAR], cleared, values=years)[FacetKind.YEAR]:
        bucket = year if by_year else year - year % 10
        buckets[bucket] = buckets.get(bucket, 0) + n
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
    return {"by_year": bool(by_year), "bars": bars, "approximate": counter.approximate(cleared)}

"""Facet counts beside the document list, counted by the search index, exactly.

Each facet counts the documents that every other active filter (and the search) selects, as if
its own selection were cleared, so a reader can widen as well as narrow. Values within a facet
combine with OR, facets with AND (filters.py). Facets with nothing chosen share one count."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q

from ..models import Classification, Collection, DocumentType, Donor, Language, Person
from .searching import kept

TOP = 10  # values shown before "show all"
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
    uncountable: bool = False  # more distinct values among the matches than the index counts at once


def _with(query, name, values):
    """The query string with parameter name set to values, in its place, and the page reset (as
    QueryDict.setlist() and urlencode() would, without QueryDict.copy()'s deep copy: a list page
    makes a hundred of these)."""
    pairs, seen = [], False
    for key, current in query.lists():
        if key == name:
            current, seen = values, True
        if key != "page":
            pairs += [(key, value) for value in current]
    if not seen:
        pairs += [(name, value) for value in values]
    return urlencode(pairs)


def _toggle(query, name, key):
    """The query string with key added to or removed from parameter name (and page reset)."""
    values = query.getlist(name)
    return _with(query, name, [v for v in values if v != key] if key in values else [*values, key])


# Each facet: URL parameter (and the index's field), heading, the model its values are, and the field
# that names a value in URLs. The person facet's parameter follows the role chosen.
FACETS = [
    ("type", "Type", DocumentType, "slug"),
    ("classification", "Original classification", Classification, "slug"),
    ("language", "Language", Language, "code"),
    ("donor", "Donor", Donor, "slug"),
    ("collection", "Collection", Collection, "slug"),
]
PERSON_FACETS = tuple(name for name, _ in PERSON_ROLES.values())
# The query parameters the facets read besides the filters': "show all", the person facet's role and
# each facet's find box.
PARAMETERS = frozenset({"all", "role", "find_person", *(f"find_{spec[0]}" for spec in FACETS)})


def build_facets(filterset, query):
    """All facets for the list page: [Facet], computed from the filterset's current state."""
    search = filterset.search()
    show_all = query.get("all", "")
    role = person_role(query)
    person_name, role_label = PERSON_ROLES[role]
    specs = [*FACETS, (person_name, f"People ({role_label})", Person, "slug")]
    # Facets with nothing chosen and no find box share one count; the others have their own, without
    # their own selection, of every value (so that the chosen ones and the found ones are among them).
    plain = [name for name, *_ in specs if not _chosen(query, name) and show_all != name]
    # The years for the histogram in the same pass, when it counts the same documents (no date range).
    dated = filterset.date_span() != (None, None)
    questions = [([*plain, *([] if dated else ["year"])], (), TOP + 1)]
    questions += [([name], (name,), None) for name, *_ in specs if name not in plain]
    questions += [(["year"], ("date",), None)] if dated else []
    search.count_together(questions)
    counted = search.counts([*plain, *([] if dated else ["year"])], size=TOP + 1)
    facets = []
    for name, label, model, key_field in specs:
        selected = query.getlist(name)
        limit = ALL if show_all == name else TOP
        find_param = "find_person" if model is Person else f"find_{name}"
        find = query.get(find_param, "").strip()[:100]
        chosen = [term.pk for term in filterset.form.cleaned_data.get(name) or []]
        if name in counted:
            rows = counted[name]
        else:
            rows = search.counts([name], without=(name,))[name]
            if find and rows is not None:
                matching = set(_matching(model, find).values_list("pk", flat=True))
                rows = [row for row in rows if row[0] in matching]
        uncountable = rows is None
        if uncountable:  # past the engine's limit: the chosen values are still counted, one question each
            rows = [(pk, search.count_of(search.criteria.choosing(name, pk))) for pk in chosen]
        truncated = len(rows) > limit
        # The chosen values stay in view even when they are not among the most frequent.
        shown_rows = rows[:limit] + [row for row in rows[limit:] if row[0] in chosen]
        terms = _names(model, key_field, [value for value, _ in shown_rows])
        terms = {
            **terms,
            **{term.pk: term for term in filterset.form.cleaned_data.get(name) or [] if term.pk not in terms},
        }
        found = dict(shown_rows)
        shown = sorted(
            ((terms[value], found.get(value, 0)) for value in {*found, *chosen} if value in terms),
            key=lambda row: (-row[1], row[0].name),
        )
        values = []
        for term, n in shown:
            key = str(getattr(term, key_field))
            values.append(FacetValue(key, term.name, n, key in selected, _toggle(query, name, key)))
        facet = Facet(name, label, values, truncated, show_all == name, find, find_param, uncountable=uncountable)
        if model is Person:
            facet.role = role
            facet.roles = [(key, text, _role_query(query, role, key)) for key, (_, text) in PERSON_ROLES.items()]
        facets.append(facet)
    return facets


def _names(model, key_field, ids):
    """{id: term} for the values shown, kept until the index changes (a rename reindexes its documents)."""
    key = ("names", model._meta.label, key_field, tuple(ids))
    return kept.get(key, lambda: model.objects.only("pk", "name", key_field).in_bulk(ids))


def _chosen(query, name):
    find_param = "find_person" if name in PERSON_FACETS else f"find_{name}"
    return bool(query.getlist(name)) or bool(query.get(find_param, "").strip())


def _matching(model, find):
    """Ids of the terms whose name contains find; any alias finds a person ("Instantsiya" finds Stalin)."""
    if model is Person:
        condition = Q(name__icontains=find) | Q(aliases__name__icontains=find)
    else:
        condition = Q(name__icontains=find)
    return model.objects.filter(condition).values("pk")


def person_role(query):
    """The person facet's role: the one asked for, else the one whose parameter chooses people (a link
    from a person's page: ?author=...), else any role."""
    if query.get("role") in PERSON_ROLES:
        return query["role"]
    return next((key for key, (name, _) in PERSON_ROLES.items() if query.getlist(name)), "any")


def _role_query(query, current, role):
    """The query string in which the people chosen in the current role are chosen in this role instead:
    choosing "author" after Stalin narrows the list, the chips and the facet to Stalin as author."""
    old, new = PERSON_ROLES[current][0], PERSON_ROLES[role][0]
    pairs = [(key, value) for key, values in query.lists() if key not in ("page", "role", old, new) for value in values]
    chosen = dict.fromkeys([*query.getlist(new), *query.getlist(old)])
    pairs += [(new, value) for value in chosen]
    return urlencode([*pairs, ("role", role)])


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
    buckets = {}
    for year, n in filterset.search().counts(["year"], without=("date",))["year"] or []:
        if by_year and not start.year <= year <= end.year:
            continue
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
    return {"by_year": bool(by_year), "bars": bars}

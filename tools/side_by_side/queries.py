"""The queries compared, each as many variants, and how each server is asked for a variant.

Ours: the HTML pages (/documents/?..., a document's page, a person's page) and the API
(/api/v1/documents/?...&facets=..., /api/v1/documents/<record_id>/). Datasette: its table page for
documents_document (HTML and .json) with ?_facet= on the type and classification columns,
?_search= on its FTS table, filters on columns and ?_where= subqueries for the linked tables, plus, for the
facets a table page cannot count (languages, donors, collections, people), a canned query with the
same filter: a page "with our facets" is both requests, timed as one.
"""

import math
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from .peer import LIST_COLUMNS, TABLE, TABLE_FACETS

FACETS = "type,language,classification,donor,collection,person"
PAGE_SIZE = 20
DEEP_PAGE = 500  # the deepest page our list goes to (10,000 results, 20 a page)
FORMATS = ("html", "json")


@dataclass
class Variant:
    ours: dict  # format → [path]
    peer: dict  # format → [path, ...] requested one after the other, timed together
    counts: tuple = ()  # (our API path with count=true, Datasette's .json path): do both select as many?
    deep: tuple = ()  # (type slug, page) of a deep page, whose API cursor resolve_cursors() finds


@dataclass
class Query:
    key: str
    label: str
    variants: list = field(default_factory=list)


class Peer:
    """Paths on Datasette for one database."""

    def __init__(self, database):
        self.database = database

    def table(self, fmt, params):
        base = [("status", "published"), *params, *[("_facet", column) for column in TABLE_FACETS]]
        base += [("_col", column) for column in LIST_COLUMNS]
        if fmt == "json":
            base.append(("_labels", "on"))  # type and classification names, as our API gives them
        return f"/{self.database}/{TABLE}{'.json' if fmt == 'json' else ''}?{urlencode(base)}"

    def facets(self, fmt, kind, params=()):
        query = f"?{urlencode(params)}" if params else ""
        return f"/{self.database}/facets_{kind}{'.json' if fmt == 'json' else ''}{query}"

    def listing(self, kind, table_params, facet_params=()):
        return {fmt: [self.table(fmt, table_params), self.facets(fmt, kind, facet_params)] for fmt in FORMATS}

    def count(self, table_params):
        params = [("status", "published"), *table_params, ("_size", "1"), ("_col", "record_id")]
        return f"/{self.database}/{TABLE}.json?{urlencode(params)}"


def ours_listing(params, html=None):
    """Our list page and the API's list with all its facets, for the same filters."""
    query = urlencode(params)
    api = f"/api/v1/documents/?{urlencode([*params, ('facets', FACETS)])}"
    return {"html": [html or f"/documents/{'?' + query if query else ''}"], "json": [api]}


def ours_count(params):
    return f"/api/v1/documents/?{urlencode([*params, ('count', 'true'), ('fields', 'record_id'), ('page_size', '1')])}"


def linked(table, column, value):
    """Datasette's filter on a linked table. Not ?_through=: Datasette 0.65.5 names its parameter p0
    whatever other filters there are, so next to a column filter it selects nothing; ?_where= is
    the same subquery (Datasette lets anyone who may run SQL use it)."""
    return ("_where", f"id IN (SELECT document_id FROM {table} WHERE {column} = {int(value)})")


def build(values, peer_path, database):
    """The seven queries, each with its variants (deep pages need our API's cursors: see deep())."""
    peer = Peer(database)
    return [
        Query("list", "First list page, all facets", [first_page(peer)]),
        Query("document", "One document", [document(peer, *record) for record in values.records]),
        Query("common", "Common-word search, all facets", [search(peer, word) for word, _ in values.common_words]),
        Query("rare", "Rare-word search, all facets", [search(peer, word) for word, _ in values.rare_words]),
        Query("filters", "Type + language + donor + dates, all facets", filter_variants(peer, values)),
        Query(
            "deep", f"Page {DEEP_PAGE} of a filtered list (type), all facets", deep_variants(peer, values, peer_path)
        ),
        Query("person", "A person's documents", [person(peer, *row[:2]) for row in values.people]),
    ]


def first_page(peer):
    return Variant(ours_listing([]), peer.listing("all", []), (ours_count([]), peer.count([])))


def document(peer, pk, record_id, slug):
    ours = {"html": [f"/documents/{record_id}/{slug}/"], "json": [f"/api/v1/documents/{record_id}/"]}
    table = f"/{peer.database}/{TABLE}/{pk}"
    return Variant(ours, {"html": [table], "json": [table + ".json"]})


def search(peer, word):
    ours, table = [("q", word)], [("_search", word)]
    return Variant(
        ours_listing(ours), peer.listing("search", table, [("q", word)]), (ours_count(ours), peer.count(table))
    )


def filter_variants(peer, values, count=120):
    """Type × language × donor among the most frequent of each, with date ranges that move."""
    combos = [(t, lang, d) for t in values.types[:3] for lang in values.languages[:3] for d in values.donors[:4]]
    variants = []
    for i in range(count):
        (type_id, type_slug, _), (lang_id, code, _), (donor_id, donor_slug, _) = combos[i % len(combos)]
        start, end = 1940 + i % 8, 1958 + (i * 3) % 8
        ours = [("type", type_slug), ("language", code), ("donor", donor_slug), ("date_from", str(start)),
                ("date_to", str(end))]  # fmt: skip
        table = [
            ("doc_type_id", str(type_id)),
            linked("documents_document_languages", "language_id", lang_id),
            linked("documents_document_donors", "donor_id", donor_id),
            ("date_end__gte", f"{start}-01-01"),
            ("date__lte", f"{end}-12-31"),
        ]
        facet_params = [("type", type_id), ("language", lang_id), ("donor", donor_id),
                        ("date_from", f"{start}-01-01"), ("date_to", f"{end}-12-31")]  # fmt: skip
        variants.append(
            Variant(
                ours_listing(ours), peer.listing("filters", table, facet_params), (ours_count(ours), peer.count(table))
            )
        )
    return variants


def deep_page(documents):
    return min(DEEP_PAGE, max(1, math.ceil(documents / PAGE_SIZE)))


def deep_variants(peer, values, peer_path, types=5):
    """Page 500 (or the last page, for a type with fewer documents) of the list of one type, in the
    list's order (newest first). Datasette goes there with its ?_next= keyset token, made here
    from the row before the page; our API's cursor is found by following its pages (resolve_cursors)."""
    variants = []
    with closing(sqlite3.connect(f"file:{Path(peer_path).resolve()}?mode=ro", uri=True)) as db:
        for type_id, slug, documents in values.types[:types]:
            page = deep_page(documents)
            before = db.execute(
                f"SELECT date, id FROM {TABLE} WHERE status = 'published' AND doc_type_id = ? "
                "ORDER BY date DESC, id LIMIT 1 OFFSET ?",
                (type_id, (page - 1) * PAGE_SIZE - 1),
            ).fetchone()
            table = [("doc_type_id", str(type_id))]
            if before:
                date, pk = before
                table.append(("_next", f"{tilde(date) if date else '$null'},{tilde(pk)}"))
            ours = ours_listing([("type", slug)], html=f"/documents/?type={slug}&page={page}")
            ours["json"] = [None]  # filled in by resolve_cursors
            variants.append(Variant(ours, peer.listing("type", table, [("type", type_id)]), deep=(slug, page)))
    return variants


def resolve_cursors(query, get_json):
    """Our API pages by cursor (a keyset, like Datasette's ?_next=): follow `next` to the page before
    each deep page, 100 rows a request, then 20, and keep its cursor."""
    for variant in query.variants:
        slug, page = variant.deep
        offset = (page - 1) * PAGE_SIZE
        path, cursor = None, None
        for size, steps in ((100, offset // 100), (PAGE_SIZE, (offset % 100) // PAGE_SIZE)):
            for _ in range(steps):
                params = [("type", slug), ("fields", "record_id"), ("page_size", str(size))]
                if cursor:
                    params.append(("cursor", cursor))
                path = f"/api/v1/documents/?{urlencode(params)}"
                cursor = _cursor_of(get_json(path)["next"])
        params = [("type", slug), ("facets", FACETS)] + ([("cursor", cursor)] if cursor else [])
        variant.ours["json"] = [f"/api/v1/documents/?{urlencode(params)}"]


def _cursor_of(url):
    return parse_qs(urlsplit(url).query)["cursor"][0]


def person(peer, person_id, slug):
    ours = ours_listing([("person", slug)], html=f"/people/{slug}/")
    table = [linked("documents_documentperson", "person_id", person_id)]
    return Variant(
        ours,
        peer.listing("person", table, [("person", person_id)]),
        (ours_count([("person", slug)]), peer.count(table)),
    )


def tilde(value):
    """Datasette's tilde encoding of one component of a ?_next= token (datasette.utils.tilde_encode)."""
    safe = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    return "".join(chr(b) if b in safe else f"~{b:02X}" for b in str(value).encode())

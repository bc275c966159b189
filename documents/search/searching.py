"""Asking the index: which documents a request selects, in what order, and how many of each value.

Criteria says what a request chooses (the FilterSet makes them, or a person's page); a Search answers
for one request from one reader's view of the index, so that its hits, counts and facets agree."""

import bisect
import collections
import concurrent.futures
import difflib
import functools
import json
import threading
from dataclasses import dataclass, field

import tantivy

from . import engine, outbox
from .criteria import build_query, term
from .highlight import Highlighter
from .query import fold
from .schema import ROLES, SCHEMA, TEXT_FIELDS, words

# Counts are exact: each segment reports every value it has, not only its top ones.
SEGMENT_VALUES = 1_000_000
# Tantivy refuses an aggregation that makes more buckets than this (its default limit, which the
# Python bindings do not let us raise): all the distinct values of the fields counted together.
AGGREGATION_BUCKETS = 65_000
PEOPLE_FIELDS = frozenset({"person", *ROLES})
ALL_VALUES = 100_000
MAX_SUGGESTED_WORDS = 8
RANKED_FETCH_LIMIT = 20_000  # see Search.page()
ORDERS = {
    # name: (fast field, descending)
    "date": ("order_date", False),
    "-date": ("order_date_desc", True),
    "-published": ("order_published", True),
    "title": ("title_order", False),
}
KEYSET = frozenset(ORDERS)  # every order but relevance pages by its sort keys
TEXT_KEYED = frozenset(name for name, (key, _) in ORDERS.items() if key == "title_order")
WINDOW = 64  # hits read on either side of where a text-keyed page was


class Kept:
    """What this process has counted from the index's current view, kept until a commit changes it:
    the facets of the first list page, which every reader asks for, are counted once per commit."""

    size = 512

    def __init__(self):
        self.lock = threading.Lock()
        self.generation, self.values = None, collections.OrderedDict()

    def clear(self):
        with self.lock:
            self.values.clear()

    def get(self, key, build):
        generation = engine.generation()
        with self.lock:
            if generation != self.generation:
                self.generation, self.values = generation, collections.OrderedDict()
            if key in self.values:
                self.values.move_to_end(key)
                return self.values[key]
        value = build()
        with self.lock:
            if generation == self.generation:
                self.values[key] = value
                while len(self.values) > self.size:
                    self.values.popitem(last=False)
        return value


kept = Kept()


@functools.cache
def _pool():
    """This process's second thread for counting (made on first use: after gunicorn's fork)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-counts")


@dataclass
class Page:
    ids: list  # database ids, in order
    count: int  # every match, not only this page's
    keys: list = field(default_factory=list)  # each hit's sort key, for keyset cursors
    start: int = 0  # where the page starts among all hits, when found by a text key (see _after_text)
    addresses: list = field(default_factory=list)  # where each hit is in the index (Search.cards)


class Search:
    """One request's questions to the index, all answered from the same view of it."""

    def __init__(self, criteria):
        outbox.catch_up()
        self.criteria = criteria
        self.searcher = engine.searcher()
        self._counted = {}  # (cleared names, field) → (how many values asked for, [(value, count)])

    def query(self, without=()):
        return build_query(self.criteria.without(*without) if without else self.criteria)

    def count(self, without=()):
        criteria = self.criteria.without(*without) if without else self.criteria
        return kept.get(("count", repr(criteria)), lambda: self.searcher.search(build_query(criteria), limit=1).count)

    def page(self, order, offset, limit, after=None):
        """The database ids of the hits from offset, at most limit, in this order, and the count.

        With `after` (a KEYSET order only), the hits start after the one with that sort key instead
        (for the title, a text key, `offset` says where that hit was last seen).
        Relevance ties (equal scores) are broken by date, newest first, then record ID, as every
        other order ends in the record ID: the hits are fetched until the last one scores below the
        page's last, so that a tie across the page's end is resolved the same on every page."""
        query = self.query()
        if order == "relevance" and self.criteria.ranked:
            return self._ranked(query, offset, limit)
        name, descending = ORDERS.get(order, ORDERS["-date"])
        if order in TEXT_KEYED and after is not None:
            return self._after_text(query, name, after, offset, limit)
        if after is not None:
            bound = (
                {"upper_bound": after, "include_upper": False}
                if descending
                else {"lower_bound": after, "include_lower": False}
            )
            after_key = tantivy.Query.range_query(SCHEMA, name, tantivy.FieldType.Unsigned, **bound)
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(after_key, 0.0))]
            )
        result = self.searcher.search(
            query,
            limit=max(limit, 1),
            offset=offset,
            count=True,
            order_by_field=name,
            order=tantivy.Order.Desc if descending else tantivy.Order.Asc,
        )
        hits = result.hits if limit else []
        return Page(self.ids_of(hits), result.count, [key for key, _ in hits], addresses=[a for _, a in hits])

    def _after_text(self, query, name, after, near, limit):
        """The hits after the one whose (text) sort key is `after`, in ascending order: the index has
        no range query on text, so a window around `near` (where that hit was) is read and searched,
        and moved back or on when documents added or removed since have shifted it."""
        window = WINDOW
        start = max(0, near - window)
        while True:
            size = limit + 2 * window
            result = self.searcher.search(
                query, limit=size, offset=start, count=True, order_by_field=name, order=tantivy.Order.Asc
            )
            keys = [key for key, _ in result.hits]
            if start and (not keys or keys[0] > after):  # the place is further back
                start, window = max(0, start - 2 * window), window * 2
                continue
            position = bisect.bisect_right(keys, after)
            if position == len(keys) and len(keys) == size:  # further on
                start, window = start + len(keys) - window, window * 2
                continue
            hits = result.hits[position : position + limit]
            return Page(
                self.ids_of(hits), result.count, [key for key, _ in hits], start + position, [a for _, a in hits]
            )

    def _ranked(self, query, offset, limit):
        wanted = offset + limit
        fetch = wanted + 1
        while True:
            result = self.searcher.search(query, limit=fetch, count=True)
            hits = result.hits
            if len(hits) < fetch or hits[-1][0] < hits[wanted - 1][0] or fetch >= RANKED_FETCH_LIMIT:
                break
            fetch = min(fetch * 2, RANKED_FETCH_LIMIT)
        keys = self.searcher.fast_field_values("order_date_desc", [address for _, address in hits])
        ordered = sorted(zip(hits, keys, strict=True), key=lambda pair: (-pair[0][0], -(pair[1] or 0)))
        hits = [hit for hit, _ in ordered[offset:wanted]]
        return Page(self.ids_of(hits), result.count, addresses=[address for _, address in hits])

    def cards(self, page):
        """{database id: the card the index keeps of it} for a page's hits (content.card())."""
        return {
            pk: json.loads(self.searcher.doc(address)["card"][0])
            for pk, address in zip(page.ids, page.addresses, strict=True)
        }

    def ids_of(self, hits):
        return [int(value) for value in self.searcher.fast_field_values("id", [address for _, address in hits])]

    def counts(self, fields, without=(), size=None):
        """{field: [(database id, documents)]}, most documents first, exact, at most size each (years
        always all); None for a field with more distinct values among the matches than the engine
        counts in one request (AGGREGATION_BUCKETS). Counted in one pass over the matches for all the
        fields, and kept: a later call for the same selection (the histogram's, after the facets')
        reads what was counted."""
        cleared, wanted, missing = self._plan(fields, without, size)
        if missing:
            self._count(cleared, missing)
        return {
            name: None if self._counted[cleared, name][1] is None else self._counted[cleared, name][1][:n]
            for name, n in wanted.items()
        }

    def count_together(self, questions):
        """Count several questions ([fields], names cleared, size: as counts() takes them) at once, half
        of them in the second thread: a page's facets, each counted without its own selection, are as
        many questions over as many sets of documents. counts() then reads what was counted."""
        jobs = []
        for fields, without, size in questions:
            cleared, _, missing = self._plan(fields, without, size)
            people = {name: n for name, n in missing.items() if name in PEOPLE_FIELDS}
            rest = {name: n for name, n in missing.items() if name not in people}
            jobs += [(cleared, part) for part in (people, rest) if part]  # the people's fields weigh most
        if len(jobs) < 2:
            return
        theirs = [_pool().submit(self._count, cleared, missing, False) for cleared, missing in jobs[1::2]]
        for cleared, missing in jobs[::2]:
            self._count(cleared, missing, False)
        for future in theirs:
            future.result()

    def _plan(self, fields, without, size):
        cleared = tuple(sorted(name for name in without if self._selects(name)))
        wanted = {name: ALL_VALUES if name == "year" else size or ALL_VALUES for name in fields}
        missing = {
            name: n
            for name, n in wanted.items()
            if (cleared, name) not in self._counted or self._counted[cleared, name][0] < n
        }
        return cleared, wanted, missing

    def _count(self, cleared, sizes, split=True):
        key = ("counts", repr(self.criteria.without(*cleared)), tuple(sorted(sizes.items())))
        found = kept.get(key, lambda: self._aggregate(cleared, sizes, split))
        for name, n in sizes.items():
            rows = found[name]
            self._counted[cleared, name] = (n if rows is None or len(rows) >= n else ALL_VALUES, rows)

    def _aggregate(self, cleared, sizes, split=True):
        """Count the fields' values in one pass; where the engine refuses that many buckets in one
        request (AGGREGATION_BUCKETS), field by field; a field with more values than that among the
        matches on its own comes back as None (facets.py says so)."""
        query = self.query(cleared)
        try:
            return self._terms(query, sizes, split)
        except ValueError as error:
            if "bucket limit" not in str(error) or len(sizes) == 1:
                if "bucket limit" in str(error):
                    return dict.fromkeys(sizes)
                raise
        return {name: self._aggregate(cleared, {name: n}, split)[name] for name, n in sizes.items()}

    def _terms(self, query, sizes, split=True):
        """Counted in two threads when there are several fields (the engine lets go of the GIL): the
        people's fields, with several values a document, on one; the rest on the other. Not when
        already in the second thread (split=False): it would wait for itself."""
        people = {name: n for name, n in sizes.items() if name in PEOPLE_FIELDS}
        rest = {name: n for name, n in sizes.items() if name not in people}
        if not split or not people or not rest:
            return self._terms_in_one(query, sizes)
        other = _pool().submit(self._terms_in_one, query, people)
        return {**self._terms_in_one(query, rest), **other.result()}

    def _terms_in_one(self, query, sizes):
        aggregations = {
            name: {"terms": {"field": name, "size": n, "segment_size": SEGMENT_VALUES}} for name, n in sizes.items()
        }
        found = self.searcher.aggregate(query, aggregations)
        return {
            name: [(int(bucket["key"]), bucket["doc_count"]) for bucket in found[name]["buckets"]] for name in sizes
        }

    def _selects(self, name):
        """Whether the criteria select by this name ("q", "date" or a field)."""
        criteria = self.criteria
        if name == "q":
            return bool(criteria.parsed)
        if name == "date":
            return criteria.start is not None or criteria.end is not None
        return any(field_name == name for field_name, _ in criteria.values)

    def count_of(self, extra):
        """How many documents the criteria and these extra criteria select."""
        return self.searcher.search(build_query(extra), limit=1, count=True).count

    def snippets(self, texts):
        """{database id: highlighted passage} for {database id: text}: where the words were found."""
        highlighter = Highlighter(self.searcher, self.criteria.parsed)
        passages = {pk: highlighter.passage(text) for pk, text in texts.items()}
        return {pk: passage for pk, passage in passages.items() if passage}

    def corrections(self, parsed):
        """{word: closest word the index holds} for the query's unknown words (the first few only)."""
        published = term("published", 1) if self.criteria.published_only else None
        found = {}
        for word in [fold(word) for word in parsed.words if word.isalpha() and len(word) > 2][:MAX_SUGGESTED_WORDS]:
            token = (words(word) or [word])[0]
            anywhere = tantivy.Query.boolean_query([(tantivy.Occur.Should, term(name, token)) for name in TEXT_FIELDS])
            if published is not None:
                anywhere = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, anywhere), (tantivy.Occur.Must, published)]
                )
            if self.searcher.search(anywhere, limit=1, count=True).count:
                continue
            known = set()
            for name in ("title", "people", "meta", "body"):
                known.update(
                    term
                    for term, _ in self.searcher.terms_with_prefix(name, token[:2], filter_query=published, limit=5000)
                    if term.isalpha() and abs(len(term) - len(token)) <= 2
                )
            close = difflib.get_close_matches(token, sorted(known), n=1, cutoff=0.75)
            if close and close[0] != token:
                found[word] = close[0]
        return found

"""Paging through what the search index selects: it counts and orders, the database gives the page's rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MAX_RESULTS = 10_000


class Hits:
    """The documents a Search selects, in an order, as the sequence a Paginator slices: only a page's
    documents are read, from `documents` (a visible_to() queryset, so that an index a moment behind
    the database never shows a reader what they may no longer see)."""

    def __init__(self, search=None, order=None, documents=None):
        self.search, self.order, self.documents = search, order, documents  # no search: no hits

    @cached_property
    def total(self):
        return self.search.count() if self.search else 0

    def __getitem__(self, window):
        limit = window.stop - window.start
        if limit <= 0 or not self.search:
            return []
        ids = self.search.page(self.order, window.start, limit).ids
        rows = self.documents.in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


class CappedPaginator(Paginator):
    """Pages through the first MAX_RESULTS hits; past them the reader is asked to narrow the search.
    The count itself is exact."""

    cap = MAX_RESULTS

    @cached_property
    def count(self):
        return min(self.object_list.total, self.cap)

    @property
    def total(self):
        return self.object_list.total

    @property
    def capped(self):
        return self.object_list.total > self.cap

"""Paging through what the search index selects: it counts and orders, the database gives the page's rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .cards import Card

MAX_RESULTS = 10_000


class Hits:
    """The documents a Search selects, in an order, as the sequence a Paginator slices: the cards the
    index keeps of a page's documents (cards.Card), less any the reader may no longer see (`visible`,
    a visible_to() queryset: an index a moment behind the database never shows a withdrawn draft)."""

    def __init__(self, search=None, order=None, visible=None):
        self.search, self.order, self.visible = search, order, visible  # no search: no hits

    @cached_property
    def total(self):
        return self.search.count() if self.search else 0

    def __getitem__(self, window):
        limit = window.stop - window.start
        if limit <= 0 or not self.search:
            return []
        return cards_of(self.search, self.search.page(self.order, window.start, limit), self.visible)


def cards_of(search, page, visible):
    """The cards of a page of hits, less those `visible` (a visible_to() queryset) no longer holds."""
    allowed = set(visible.filter(pk__in=page.ids).values_list("pk", flat=True))
    return [Card(pk, data) for pk, data in search.cards(page).items() if pk in allowed]


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

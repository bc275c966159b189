"""Pagination that stays fast on deep pages of a large result: counting stops at a cap."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MAX_RESULTS = 10_000


class CappedPaginator(Paginator):
    """Counts at most MAX_RESULTS rows (a LIMIT subquery, not a full COUNT) and pages through
    those; past them the reader is asked to narrow the search."""

    cap = MAX_RESULTS

    @cached_property
    def _counted(self):
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def capped(self):
        return self._counted > self.cap

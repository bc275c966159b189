"""Pagination that stays fast on deep pages of a large result: counting stops at a cap."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

MAX_RESULTS = 10_000


class CappedPaginator(Paginator):
    """Counts at most MAX_RESULTS rows (a LIMIT subquery, not a full COUNT) and pages through
    those; past them the reader is asked to narrow the search."""

    cap = MAX_RESULTS

    def __init__(self, object_list, per_page, known_count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = known_count  # when the caller has counted already

    @cached_property
    def _counted(self):
        if self.known_count is not None:
            return self.known_count
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @property
    def capped(self):
        return self._counted > self.cap

    def page(self, number):
        """The page's ids first (an index read, however deep the page), then only its rows:
        OFFSET over whole rows would read every row it skips."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

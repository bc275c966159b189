"""Search, filtering, sorting and facet counting: an embedded Tantivy index that the database feeds.

The database is the one source of truth. Writes note the documents they change in an outbox in
their own transaction (outbox.py, through signals.py), and each app host's index applies the outbox
after the commit (engine.py); readers ask the index with Criteria (criteria.py) through a Search
(searching.py), which returns database ids, counts and facets. `manage.py search_index rebuild|sync|check` keeps it up
(maintenance.py; docs/search.md)."""

from .criteria import Criteria
from .engine import SearchUnavailable
from .maintenance import check, clear, rebuild
from .outbox import enqueue, suspended, sync
from .query import MAX_QUERY_LENGTH, WORD, ParsedQuery, fold, parse_query
from .searching import Search

__all__ = [
    "MAX_QUERY_LENGTH",
    "WORD",
    "Criteria",
    "ParsedQuery",
    "Search",
    "SearchUnavailable",
    "check",
    "clear",
    "enqueue",
    "fold",
    "parse_query",
    "rebuild",
    "suspended",
    "sync",
]

"""Full-text search: one interface over a backend per database (see backends.py).

Views and filters call search_documents(), snippets() and suggest(); writes keep the index
and the facet table (facet_index.py) current through reindex_documents() (signals.py calls it
on every save and relation change); `manage.py rebuild_search_index` rebuilds both."""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from . import facet_index
from .backends import get_backend
from .query import MAX_QUERY_LENGTH, WORD, ParsedQuery, fold, parse_query

__all__ = [
    "MAX_QUERY_LENGTH",
    "ParsedQuery",
    "fold",
    "indexing_suspended",
    "only_common_words",
    "parse_query",
    "rebuild_index",
    "reindex_documents",
    "search_documents",
    "snippets",
    "suggest",
]

_suspended = ContextVar("search_indexing_suspended", default=False)


def search_documents(queryset, parsed, ranked=False):
    """The documents of queryset matching parsed; ranked=True joins the index and annotates
    search_rank for ordering (the result must then not be used as a subquery)."""
    return get_backend().apply(queryset, parsed, ranked=ranked)


def snippets(document_ids, parsed):
    """{document id: highlighted snippet HTML} for the documents on a results page."""
    return get_backend().snippets(list(document_ids), parsed)


def suggest(text, parsed, visible_documents):
    """The query text with misspelt words corrected, if the corrected query finds something
    among visible_documents; otherwise None. Phrases, exclusions and "or" are kept."""
    corrections = get_backend().corrections(parsed)
    if not corrections:
        return None

    def replace(match):
        word = match.group(0)
        better = corrections.get(fold(word), word)
        return better.capitalize() if word[:1].isupper() else better

    corrected = WORD.sub(replace, text)
    if not search_documents(visible_documents, parse_query(corrected)).exists():
        return None
    return corrected


def only_common_words(parsed):
    """Whether the index leaves out every word of the query as too common (PostgreSQL's stop
    words), so that it can find nothing: the page says so rather than just "nothing found"."""
    return get_backend().only_common_words(parsed)


def reindex_documents(ids, batch_size=1000):
    if _suspended.get():
        return
    ids, backend = list(ids), get_backend()
    # The lock lasts as long as the transaction: no savepoint needed around it, none made.
    with transaction.atomic(savepoint=False):
        facet_index.lock_shared_rows()
        for start in range(0, len(ids), batch_size):
            backend.reindex(ids[start : start + batch_size])
            facet_index.reindex(ids[start : start + batch_size])


@contextmanager
def indexing_suspended():
    """Bulk loads skip indexing row by row and rebuild the index once at the end."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def rebuild_index(batch_size=2000, progress=None):
    """Reindex every document in batches, then drop entries of documents that no longer exist.

    Each batch replaces its own entries in one transaction, so searches keep answering
    throughout, from entries at most one rebuild old."""
    from ..models import Document

    backend = get_backend()
    ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        backend.reindex(ids[start : start + batch_size])
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids))
    stale = backend.indexed_ids() - set(ids)
    if stale:
        backend.delete(sorted(stale))
    facet_index.rebuild()
    return len(ids)

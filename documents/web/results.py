"""A document page reached from a list of results: the way back to those results, and the words of
their search marked in the document's text, transcript and summary.

The result's link carries the list's query string as one parameter (?results=q%3D...): the page keeps
its one canonical address and its cached body (ops/page_cache.py) for everyone; only what this module
adds depends on the parameter. It is read as a list query string and nothing else: only the list's own
parameters are kept, the way back always leads to the list on this site, and every word is escaped."""

from html.parser import HTMLParser
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..filters import DocumentFilter
from ..search import MAX_QUERY_LENGTH, Criteria, Search, SearchUnavailable, parse_query
from ..search.facets import PARAMETERS
from ..search.highlight import Highlighter

PARAMETER = "results"
MAX_LENGTH = 4000  # a list's query string is far shorter; longer is no link of ours
# The list's parameters that the way back keeps.
LIST_PARAMETERS = frozenset({*DocumentFilter.base_filters, *PARAMETERS, "page"})
# Where a document page holds its own words (the text, the transcript, the summary); not the cards of
# related documents inside it.
MARKED = frozenset({"document-text", "document-summary"})
UNMARKED = frozenset({"document-card"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
RAW = frozenset({"script", "style"})


def result_link(query):
    """The parameter a result's link carries: the list's query string ("" for the plain list, whose
    results need no way back but the list's own link)."""
    return urlencode({PARAMETER: query.urlencode()}) if query else ""


def from_results(request):
    """(the list's address to go back to, the words searched) when the page was reached from a list of
    results; None otherwise, and for anything that is not a list's query string."""
    value = request.GET.get(PARAMETER)
    if value is None or len(value) > MAX_LENGTH:
        return None
    query = QueryDict(value)
    kept = [(key, item) for key, items in query.lists() if key in LIST_PARAMETERS for item in items]
    back = reverse("documents:document_list") + (f"?{urlencode(kept)}" if kept else "")
    return back, query.get("q", "")[:MAX_QUERY_LENGTH]


def mark_words(content, words):
    """The page's body (HTML we rendered) with the words a search for `words` matched marked in the
    document's own texts; the body as it was when there are none, or the index cannot say."""
    parsed = parse_query(words)
    if not parsed.groups:
        return content, False
    try:
        # A Search brings this host's index up to date first: its statistics say which words it holds.
        highlighter = Highlighter(Search(Criteria(parsed)).searcher, parsed)
    except SearchUnavailable:
        return content, False
    marker = _Marker(highlighter)
    marker.feed(content)
    marker.close()
    return mark_safe("".join(marker.out)), marker.marked


class _Marker(HTMLParser):
    """Copies HTML as it reads it, marking words in the text of the MARKED elements."""

    def __init__(self, highlighter):
        super().__init__(convert_charrefs=True)
        self.highlighter, self.out, self.open, self.marked = highlighter, [], [], False

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in VOID:
            return
        classes = set(dict(attrs).get("class", "").split())
        inside = self.open[-1][1] if self.open else False
        self.open.append((tag, (inside or bool(classes & MARKED)) and not classes & UNMARKED))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] == tag:
                del self.open[depth:]
                break

    def handle_data(self, data):
        tag, inside = self.open[-1] if self.open else ("", False)
        if tag in RAW:
            self.out.append(data)
        elif inside and data.strip():
            marked = self.highlighter.whole(data)
            self.marked = self.marked or "<mark>" in marked
            self.out.append(marked)
        else:
            self.out.append(escape(data))

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

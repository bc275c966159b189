"""Marking the words a query matched in a text, as the index matched them: folded accents and case,
and the stems search matched ("meeting" for "meetings"). One matcher for the snippets in a list
(Search.snippets: the best passage) and the words marked on a document page reached from a result
(the whole text): Tantivy's snippet generator, over the stemmed text field."""

import tantivy
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .criteria import text_query
from .schema import SCHEMA, STEMS, fold_marks

SNIPPET_CHARS = 240
FIELD = f"body_{STEMS}"  # every stemmed field reads words alike: the body's stands for them all


class Highlighter:
    """The words of a parsed query, ready to be marked in any text (a searcher's statistics say which
    of them the index knows: a word no document holds matches nothing, here as in search)."""

    def __init__(self, searcher, parsed):
        query = text_query(parsed) if parsed else None
        self.generator = None if query is None else tantivy.SnippetGenerator.create(searcher, query, SCHEMA, FIELD)

    def __bool__(self):
        return self.generator is not None

    def passage(self, text, chars=SNIPPET_CHARS):
        """The passage of text (at most chars long) where most words were found, escaped, the words
        marked; None where none was."""
        if self.generator is None or not text:
            return None
        self.generator.set_max_num_chars(chars)
        snippet = self.generator.snippet_from_doc(tantivy.Document(**{FIELD: fold_marks(text)}))
        return mark_safe(_marked(text, snippet).strip()) if snippet.highlighted() else None

    def whole(self, text):
        """All of text, escaped, every word found marked (none: escaped as it is)."""
        if self.generator is None or not text:
            return escape(text)
        self.generator.set_max_num_chars(len(text.encode()) + 1)
        snippet = self.generator.snippet_from_doc(tantivy.Document(**{FIELD: fold_marks(text)}))
        return mark_safe(_marked(text, snippet, whole=True))


def _marked(text, snippet, whole=False):
    """The snippet's passage of the original text (the index saw it with marks folded, one character
    for one), or all of the text, escaped, the found words in <mark>."""
    folded = fold_marks(text).encode()
    passage = snippet.fragment_range()

    def char_at(offset):
        return len(folded[:offset].decode(errors="ignore"))

    start = 0 if whole else char_at(passage.start)
    pieces, at = [], start
    for found in snippet.highlighted():
        begin, end = char_at(passage.start + found.start), char_at(passage.start + found.end)
        pieces.append(escape(text[at:begin]))
        pieces.append(f"<mark>{escape(text[begin:end])}</mark>")
        at = end
    pieces.append(escape(text[at:] if whole else text[at : char_at(passage.end)]))
    return "".join(pieces)

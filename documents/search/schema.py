"""What the search index holds: its fields, the analyzers that read text into words, and the sort keys.

Each text field is indexed twice: as written (lower-cased, accents folded) and stemmed (English), so
that "meetings" finds "meeting" while the form the reader typed ranks higher. Filters and facets are
fast fields holding the database ids of the values; the sort orders are single fast fields whose
values end in the record ID, so that every order is total and pages never overlap."""

import re

import tantivy

from ..models import DocumentPerson
from .query import FOLD_NON_LATIN_MARKS

# Searchable text fields and their weights: title and record ID first, the people's own names and the
# summary next, then the text, then the rest; a person's aliases (codenames) weigh least, so that a
# document saying a word outranks one that only names someone also known by it.
TEXT_FIELDS = {"title": 10.0, "summary": 5.0, "people": 5.0, "body": 2.0, "meta": 1.0, "aliases": 1.0}
STEMMED = ("title", "summary", "body")
STEMMED_WEIGHT = 0.5  # of the field's own: the unstemmed form ranks higher

ROLES = tuple(str(role) for role in DocumentPerson.Role)
# Fields holding the database ids of a document's values, one or many (languages, people in a role...).
VALUE_FIELDS = ("type", "classification", "language", "donor", "collection", "person", *ROLES)

EXACT, STEMS = "exact", "stems"
INTEGER_FIELDS = ("date", "date_end", "year")  # signed: day numbers and years
# Every text field, by its name in the index.
TEXT = frozenset({*TEXT_FIELDS, *(f"{name}_{STEMS}" for name in STEMMED), "title_order"})


def _analyzer(stem):
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    builder = builder.filter(tantivy.Filter.remove_long(60)).filter(tantivy.Filter.lowercase())
    builder = builder.filter(tantivy.Filter.ascii_fold())
    return (builder.filter(tantivy.Filter.stemmer("english")) if stem else builder).build()


ANALYZERS = {EXACT: _analyzer(stem=False), STEMS: _analyzer(stem=True)}


MARKED = re.compile("[" + "".join(map(chr, FOLD_NON_LATIN_MARKS)) + "]")


def fold_marks(text):
    """ascii_fold folds Latin letters only: fold the marks of other scripts ("ё" → "е", "ά" → "α")
    before the analyzers see the text, one character for one, so offsets into the text still hold.
    (A regular expression finds the few such letters far faster than str.translate reads them all.)"""
    if text.isascii():
        return text
    return MARKED.sub(lambda letter: FOLD_NON_LATIN_MARKS[ord(letter.group())], text)


def words(text, analyzer=EXACT):
    return ANALYZERS[analyzer].analyze(fold_marks(text))


def build_schema():
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("record_id", indexed=True, fast=True)
    builder.add_unsigned_field("published", indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=EXACT)
    for name in STEMMED:
        builder.add_text_field(f"{name}_{STEMS}", tokenizer_name=STEMS)
    for name in VALUE_FIELDS:
        builder.add_unsigned_field(name, indexed=True, fast=True)
    # Dates as day numbers (date.toordinal()): a document's span overlaps a range or not.
    for name in INTEGER_FIELDS:
        builder.add_integer_field(name, indexed=True, fast=True)
    for name in SORT_KEYS:
        builder.add_unsigned_field(name, indexed=True, fast=True)
    builder.add_unsigned_field("fingerprint", fast=True)
    builder.add_bytes_field("card", stored=True)  # JSON: what the document's card in a list shows
    builder.add_text_field("title_order", fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def register_analyzers(index):
    for name, analyzer in ANALYZERS.items():
        index.register_tokenizer(name, analyzer)


# -- sort keys -----------------------------------------------------------------------------------------
# One unsigned number per order: date (22 bits of day number), then the span's length in days (12 bits:
# "4 February 1949" before "February 1949" before "1949"), then the record ID (30 bits), so that one
# fast field sorts documents exactly as the database's ORDER BY did, ties broken by record ID.

RECORD_BITS, SPAN_BITS, DAY_BITS = 30, 12, 22
RECORD_MASK, SPAN_MASK, DAY_MASK = (1 << RECORD_BITS) - 1, (1 << SPAN_BITS) - 1, (1 << DAY_BITS) - 1
SORT_KEYS = ("order_date", "order_date_desc", "order_published")


def sort_keys(document):
    record = document.record_id & RECORD_MASK
    if document.date is None:  # undated documents come last in either direction
        oldest_first = (DAY_MASK << (SPAN_BITS + RECORD_BITS)) | record
        newest_first = RECORD_MASK - record
    else:
        day = document.date.toordinal() & DAY_MASK
        span = min((document.date_end - document.date).days, SPAN_MASK)
        oldest_first = (day << (SPAN_BITS + RECORD_BITS)) | (span << RECORD_BITS) | record
        # Sorted descending: the latest start first, the widest span first (as date_end descending),
        # and the lowest record ID first.
        newest_first = (day << (SPAN_BITS + RECORD_BITS)) | (span << RECORD_BITS) | (RECORD_MASK - record)
    published = document.first_published_at
    # Descending: the most recently published first, the highest record ID first; never published last.
    seconds = int(published.timestamp()) & ((1 << 34) - 1) if published else 0
    return {"order_date": oldest_first, "order_date_desc": newest_first, "order_published": (seconds << 30) | record}


def title_order(document):
    """Titles sort case- and accent-blind, ties by record ID."""
    return f"{' '.join(words(document.title))}\x00{document.record_id:012d}"


# Queries are built against it (the index's own is the same: engine.VERSION changes with it).
SCHEMA = build_schema()

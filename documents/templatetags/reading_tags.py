"""Parallel reading: a document's scans, the transcript of its original and its translation side by
side, page by page (templates/documents/detail/parallel.html, documents/static/documents/js/parallel-reading.js).

Scans are pages in their order; the texts are cut into pages at their page breaks (text.split_pages: "//"
in Russian transcripts). Page n of each is one row, so that a reader sees a sheet beside its transcription
and translation; a text that marks no breaks is one page beside the first scan."""

from dataclasses import dataclass
from itertools import zip_longest

from django import template

from ..text import split_pages

register = template.Library()

COLUMNS = {
    "scan": "Scan",
    "original": "Original",
    "translation": "Translation",
}


@dataclass(frozen=True)
class Page:
    number: int
    scan: object
    original: str
    translation: str


@dataclass(frozen=True)
class Reading:
    pages: tuple
    columns: tuple  # the COLUMNS keys the document has, in order
    original_language: str  # the original's language code for lang="", when the document names one

    @property
    def has_scan(self):
        return "scan" in self.columns

    @property
    def has_original(self):
        return "original" in self.columns

    @property
    def has_translation(self):
        return "translation" in self.columns


@register.simple_tag
def parallel_reading(document):
    """The document's Reading when it has a transcript of its original and scans or a translation to set
    beside it; else None, and the page shows its text and its scans' viewer apart."""
    scans = list(document.scans.all())  # prefetched by for_detail()
    original = split_pages(document.transcript) if document.transcript else []
    translation = split_pages(document.text) if document.text else []
    columns = tuple(name for name, present in zip(COLUMNS, (scans, original, translation), strict=True) if present)
    if not original or len(columns) < 2:
        return None
    pages = tuple(
        Page(number, scan, original_page or "", translation_page or "")
        for number, (scan, original_page, translation_page) in enumerate(
            zip_longest(scans, original, translation), start=1
        )
    )
    languages = [language.code for language in document.language_list if language.code != "en"]
    return Reading(pages, columns, languages[0] if len(languages) == 1 else "")

"""A document's card in a list, from what the search index keeps of it (search/content.card()):
a list page reads no document row, only which of its hits the reader may still see."""

from datetime import date
from types import SimpleNamespace

from django.urls import reverse
from django.utils.safestring import mark_safe


class Card:
    """What templates/includes/document_card.html reads of a Document, for a card from the index."""

    def __init__(self, pk, data):
        self.pk = pk
        self.record_id, self.slug, self.title = data["record_id"], data["slug"], data["title"]
        self.is_published = data["published"]
        self.date = date.fromisoformat(data["date"]) if data["date"] else None
        self.date_end = date.fromisoformat(data["date_end"]) if data["date_end"] else None
        self.display_date = data["date_shown"]
        self.doc_type = data["type"]
        self.authors = [SimpleNamespace(name=name) for name in data["authors"]]
        self.language_list = [SimpleNamespace(name=name) for name in data["languages"]]
        self.summary = mark_safe(data["summary"])  # cleaned when indexed (archive_html.rich_lines)
        self.snippet = None

    def get_absolute_url(self):
        return reverse("documents:document_detail", kwargs={"record_id": self.record_id, "slug": self.slug})

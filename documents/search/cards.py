"""A document's card in a list, from what the search index keeps of it (search/content.card()): a list
page, and a page of the API's list, read no document row, only which of their hits the reader may
still see. A Card answers what templates/includes/document_card.html and the API's list serializer
read of a Document."""

from dataclasses import dataclass
from datetime import date

from django.urls import reverse


@dataclass(frozen=True)
class PersonRef:
    slug: str
    name: str
    kind: str

    def get_absolute_url(self):
        return reverse("documents:person_detail", kwargs={"slug": self.slug})


@dataclass(frozen=True)
class TermRef:
    slug: str
    name: str

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class LanguageRef:
    code: str
    name: str


class Card:
    def __init__(self, pk, data):
        self.pk = pk
        self.record_id, self.slug, self.title = data["record_id"], data["slug"], data["title"]
        self.is_published = data["published"]
        self.date = date.fromisoformat(data["date"]) if data["date"] else None
        self.date_end = date.fromisoformat(data["date_end"]) if data["date_end"] else None
        self.date_precision, self.date_circa = data["date_precision"], data["date_circa"]
        self.display_date = data["date_shown"]
        self.doc_type = TermRef(*data["type"]) if data["type"] else None
        self.authors = [PersonRef(*author) for author in data["authors"]]
        self.languages = self.language_list = [LanguageRef(*language) for language in data["languages"]]
        self.summary = data["summary"]
        self.aliases = [(alias, PersonRef(*person)) for alias, *person in data.get("aliases", ())]
        self.snippet = None
        self.alias_matches = []  # explain.alias_matches() fills it

    def get_absolute_url(self):
        return reverse("documents:document_detail", kwargs={"record_id": self.record_id, "slug": self.slug})

"""Reads for a person's page: their documents by role, over time, and whom they wrote to and heard
from, counted by the search index (a person in 20,000 documents costs no more than one in twenty)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from ..models import DocumentPerson, Person
from . import Criteria, Search


def list_url(**params):
    return f"{reverse('documents:document_list')}?{urlencode(params)}"


@dataclass
class YearBar:
    year: int
    count: int
    percent: int
    url: str


def person_search(person, published_only, role="person"):
    """A Search of the documents naming the person (in one role, or "person": any)."""
    return Search(Criteria(values=((str(role), (person.pk,)),), published_only=published_only))


def role_counts(person, published_only):
    """{role: number of documents}."""
    counts = {role: person_search(person, published_only, role).count() for role in DocumentPerson.Role}
    return {role: n for role, n in counts.items() if n}


def timeline(person, published_only):
    """Documents in which the person appears, per year, each year linking to the list."""
    rows = sorted(person_search(person, published_only).counts(["year"])["year"] or [])
    peak = max((n for _, n in rows), default=0)
    return [
        YearBar(year, n, round(100 * n / peak), list_url(person=person.slug, date_from=year, date_to=year))
        for year, n in rows
    ]


@dataclass
class Correspondent:
    name: str
    slug: str
    sent: int  # documents from the person to them
    received: int  # documents from them to the person
    sent_url: str
    received_url: str

    @property
    def total(self):
        return self.sent + self.received


def correspondents(person, published_only, limit=10):
    """The people this person most often wrote to or heard from, by author and recipient roles."""
    author, recipient = str(DocumentPerson.Role.AUTHOR), str(DocumentPerson.Role.RECIPIENT)
    wrote = person_search(person, published_only, author).counts([recipient])[recipient] or []
    heard = person_search(person, published_only, recipient).counts([author])[author] or []
    counts = {}
    for other, n in wrote:
        counts[other] = (n, 0)
    for other, n in heard:
        counts[other] = (counts.get(other, (0, 0))[0], n)
    counts.pop(person.pk, None)
    top = sorted(counts.items(), key=lambda item: -sum(item[1]))[: limit * 3]
    people = Person.objects.only("name", "slug").in_bulk([other for other, _ in top])
    found = [
        Correspondent(
            people[other].name,
            people[other].slug,
            sent,
            got,
            list_url(author=person.slug, recipient=people[other].slug),
            list_url(author=people[other].slug, recipient=person.slug),
        )
        for other, (sent, got) in top
        if other in people
    ]
    return sorted(found, key=lambda c: (-c.total, c.name))[:limit]

"""Reads for a person's page: their documents over time and whom they wrote to and heard from."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from .dates import Year
from .models import DocumentPerson

AUTHOR, RECIPIENT = DocumentPerson.Role.AUTHOR, DocumentPerson.Role.RECIPIENT


def list_url(**params):
    return f"{reverse('documents:document_list')}?{urlencode(params)}"


@dataclass
class YearBar:
    year: int
    count: int
    percent: int
    url: str


def timeline(person, documents):
    """Documents in which the person appears, per year, each year linking to the list."""
    rows = list(
        documents.filter(pk__in=person.document_links.values("document"), date__isnull=False)
        .order_by()
        .annotate(year=Year("date"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    peak = max((n for _, n in rows), default=0)
    return [
        YearBar(int(year), n, round(100 * n / peak), list_url(person=person.slug, date_from=year, date_to=year))
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


def correspondents(person, documents, limit=10):
    """The people this person most often wrote to or heard from, by author and recipient roles."""
    wrote = documents.filter(person_links__person=person, person_links__role=AUTHOR).values("pk")
    received = documents.filter(person_links__person=person, person_links__role=RECIPIENT).values("pk")
    rows = (
        DocumentPerson.objects.filter(Q(document__in=wrote, role=RECIPIENT) | Q(document__in=received, role=AUTHOR))
        .exclude(person=person)
        .values_list("person__slug", "person__name", "role")
        .annotate(n=Count("document", distinct=True))
    )
    found = {}
    for slug, name, role, n in rows:
        entry = found.setdefault(
            slug,
            Correspondent(
                name,
                slug,
                0,
                0,
                list_url(author=person.slug, recipient=slug),
                list_url(author=slug, recipient=person.slug),
            ),
        )
        if role == RECIPIENT:
            entry.sent = n
        else:
            entry.received = n
    return sorted(found.values(), key=lambda c: (-c.total, c.name))[:limit]

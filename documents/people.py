"""Reads for a person's page: their documents over time and whom they wrote to and heard from,
from the facet table (models/facets.py), so a person in 20,000 documents costs no more than one
in twenty."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from .models import DocumentFacet, FacetCount, FacetKind, Person
from .search.facet_index import ROLE_FACETS as ROLE_KINDS


def list_url(**params):
    return f"{reverse('documents:document_list')}?{urlencode(params)}"


@dataclass
class YearBar:
    year: int
    count: int
    percent: int
    url: str


def links(person, kind, published_only):
    """The facet rows naming the person in this facet (any role, or one role)."""
    rows = DocumentFacet.objects.filter(facet=kind, value=person.pk)
    return rows.filter(published=True) if published_only else rows


def role_counts(person, published_only):
    """{role: number of documents} from the stored counts: nothing to count."""
    column = "published" if published_only else "total"
    stored = FacetCount.objects.filter(facet__in=ROLE_KINDS.values(), value=person.pk).values_list("facet", column)
    roles = {kind: role for role, kind in ROLE_KINDS.items()}
    return {roles[kind]: n for kind, n in stored if n}


def timeline(person, published_only):
    """Documents in which the person appears, per year, each year linking to the list."""
    documents = links(person, FacetKind.PERSON, published_only).values("document_id")
    rows = list(
        DocumentFacet.objects.filter(facet=FacetKind.YEAR, document_id__in=documents)
        .values_list("value")
        .annotate(n=Count("value"))
        .order_by("value")
    )
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
    wrote = links(person, FacetKind.AUTHOR, published_only).values("document_id")
    received = links(person, FacetKind.RECIPIENT, published_only).values("document_id")
    rows = (
        DocumentFacet.objects.filter(
            Q(facet=FacetKind.RECIPIENT, document_id__in=wrote) | Q(facet=FacetKind.AUTHOR, document_id__in=received)
        )
        .exclude(value=person.pk)
        .values_list("value", "facet")
        .annotate(n=Count("document_id"))
    )
    counts = {}
    for other, kind, n in rows:
        sent, got = counts.get(other, (0, 0))
        counts[other] = (sent + n, got) if kind == FacetKind.RECIPIENT else (sent, got + n)
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
    ]
    return sorted(found, key=lambda c: (-c.total, c.name))[:limit]

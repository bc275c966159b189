"""The load test's workload (driver.py): the readers' weighted mix of kinds of request and, for each kind,
URLs picked from the database beforehand with a seeded random generator, every one of which must answer
200; and the documents the curator edits."""

import random
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count

from corpus.spec import COMMON_WORD, RARE_WORD
from corpus.words import CONTENT_WORDS
from documents.models import Document, DocumentPerson, Person

# Share of each kind of request in the readers' mix: reading documents dominates a real archive's
# traffic; browsing, filtering and searching come next; programs read the API.
WEIGHTS = {
    "document": 30,
    "list": 6,
    "filter": 16,
    "search": 16,
    "person": 6,
    "api-list": 6,
    "api-search": 8,
    "api-detail": 12,
}
LABELS = {
    "document": "document page",
    "list": "first page of /documents/",
    "filter": "/documents/ with 1–3 facet filters, pages 1–5",
    "search": "search (common, rare and other words), some with a facet filter",
    "person": "person page (of the 200 people in most documents)",
    "api-list": "API: list and filtered list",
    "api-search": "API: search with facets",
    "api-detail": "API: one document",
}
FACETS = {"type": "doc_type__slug", "language": "languages__code", "classification": "classification__slug"}


@dataclass
class Workload:
    urls: dict  # kind → list of paths
    edited: list  # record ids of published documents the curator edits
    drafts: list  # record ids of drafts it publishes and unpublishes

    def kinds(self):
        return [kind for kind in WEIGHTS if self.urls.get(kind)]

    def pick(self, rng):
        kinds = self.kinds()
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        return kind, rng.choice(self.urls[kind])


def build_workload(seed=1, documents=2000, edited=20, drafts=2):
    """Valid URLs for each kind, chosen with a seeded random generator from the published documents."""
    rng = random.Random(seed)
    published = Document.objects.published()
    ids = sorted(published.values_list("record_id", flat=True))
    sample = sorted(rng.sample(ids, min(documents, len(ids))))
    pages = [
        document.get_absolute_url()
        for document in published.filter(record_id__in=sample).only("record_id", "slug").order_by("record_id")
    ]
    values = {name: top(published, lookup, 8) for name, lookup in FACETS.items()}
    values["donor"] = top(published, "donors__slug", 8)
    people = list(
        DocumentPerson.objects.filter(document__status=Document.Status.PUBLISHED)
        .values("person__slug")
        .annotate(n=Count("document", distinct=True))
        .order_by("-n", "person__slug")
        .values_list("person__slug", flat=True)[:200]
    )
    values["person"] = people[:8]
    facet_names = [name for name in values if values[name]]
    words = [COMMON_WORD, RARE_WORD, *rng.sample(sorted(CONTENT_WORDS), 20)]

    def filters(count):
        names = rng.sample(facet_names, min(count, len(facet_names)))
        return {name: rng.choice(values[name]) for name in names}

    urls = {
        "document": pages,
        "list": ["/documents/"],
        "filter": [
            "/documents/?" + urlencode({**filters(rng.randint(1, 3)), **({"page": page} if page > 1 else {})})
            for page in [rng.choice((1, 1, 1, 2, 3, 4, 5)) for _ in range(150)]
        ]
        if facet_names
        else [],
        "search": [
            "/documents/?" + urlencode({"q": word, **(filters(1) if facet_names and rng.random() < 0.4 else {})})
            for word in words
            for _ in range(3)
        ],
        "person": [Person(slug=slug).get_absolute_url() for slug in people],
        "api-list": ["/api/v1/documents/"]
        + ["/api/v1/documents/?" + urlencode(filters(rng.randint(1, 2))) for _ in range(40) if facet_names],
        "api-search": [
            "/api/v1/documents/?" + urlencode({"q": word, "facets": "type,language,person"}) for word in words
        ],
        "api-detail": [f"/api/v1/documents/{record_id}/" for record_id in sample],
    }
    chosen = rng.sample(sample, min(edited, len(sample)))
    draft_ids = list(
        Document.objects.filter(status=Document.Status.DRAFT).order_by("record_id").values_list("record_id", flat=True)
    )
    return Workload(urls=urls, edited=sorted(chosen), drafts=rng.sample(draft_ids, min(drafts, len(draft_ids))))


def top(queryset, lookup, limit):
    return list(
        queryset.exclude(**{f"{lookup}__isnull": True})
        .values(lookup)
        .annotate(n=Count("pk"))
        .order_by("-n", lookup)
        .values_list(lookup, flat=True)[:limit]
    )

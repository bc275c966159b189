"""The sitemap index (/sitemap.xml), its sections, and robots.txt, which points crawlers to it.

Each section lists only what an anonymous reader can open. A section's page holds up to
``limit`` URLs and is read with two queries (a count and the page's rows), whatever its size;
rows carry only the columns a URL and its lastmod need."""

from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..models import Collection, Document, Donor, Person


class ModifiedSitemap(Sitemap):
    """A section of records with a modified_at, which is each URL's lastmod."""

    # The protocol's maximum; the index lists a section's further pages as ?p=2, ?p=3, …
    limit = 50_000

    def lastmod(self, item):
        return item.modified_at

    def get_latest_lastmod(self):
        # Django's default reads every item to find the latest; one aggregate does.
        return self.items().aggregate(latest=Max("modified_at"))["latest"]


class DocumentSitemap(ModifiedSitemap):
    def items(self):
        return Document.objects.published().only("record_id", "slug", "modified_at").order_by("record_id")


class PublicSitemap(ModifiedSitemap):
    """People, donors or collections with at least one published document."""

    model = None

    def items(self):
        return self.model.objects.public().only("slug", "modified_at").order_by("pk")


class PersonSitemap(PublicSitemap):
    model = Person


class DonorSitemap(PublicSitemap):
    model = Donor


class CollectionSitemap(PublicSitemap):
    model = Collection


class StaticSitemap(Sitemap):
    """The home page and the lists, which change whenever a published document does."""

    def items(self):
        return [
            "documents:home",
            "documents:document_list",
            "documents:person_list",
            "documents:donor_list",
            "documents:collection_list",
        ]

    def location(self, item):
        return reverse(item)

    @cached_property
    def latest_document_change(self):
        return Document.objects.published().aggregate(latest=Max("modified_at"))["latest"]

    def lastmod(self, item):
        return self.latest_document_change

    def get_latest_lastmod(self):
        return self.latest_document_change


# Classes, not instances: the sitemap views make one per request, so nothing is shared between requests.
SITEMAPS = {
    "documents": DocumentSitemap,
    "people": PersonSitemap,
    "donors": DonorSitemap,
    "collections": CollectionSitemap,
    "pages": StaticSitemap,
}


@require_safe
def robots_txt(request):
    """Crawlers may read every public page, never the admin; the sitemap lists them all."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

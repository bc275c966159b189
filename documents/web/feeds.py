"""Atom feeds of newly published documents: the whole archive, any search and filters of the list,
one collection, one person.

Feeds are public whoever asks: they list published documents only, even to staff, because
readers' feed clients and aggregators keep what they fetch."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..filters import DocumentFilter
from ..models import Collection, Document, DocumentPerson, Person
from ..ops import page_cache
from ..ops.unavailable import retry_later
from ..search import SearchUnavailable

# Entries per feed: a feed says what is new, the list and the sitemap hold the rest.
FEED_SIZE = 50


class DocumentAtomFeed(Atom1Feed):
    """Atom with one <author> per author of a document (Django's feeds allow one per entry)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("author_names", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class NewDocumentsFeed(Feed):
    """The newest published documents, newest first."""

    feed_type = DocumentAtomFeed

    def title(self, obj):
        return f"New documents · {settings.ARCHIVE_NAME}"

    def subtitle(self, obj):
        return settings.ARCHIVE_DESCRIPTION

    def link(self, obj):
        return reverse("documents:document_list") + "?sort=-published"

    def author_name(self, obj):
        # Atom requires an author for every entry: the archive stands in where a document has none.
        return settings.ARCHIVE_NAME

    def documents(self, obj):
        return Document.objects.published()

    def items(self, obj):
        return (
            self.documents(obj)
            .for_list()
            .prefetch_related("collections")
            .order_by("-first_published_at", "-record_id")[:FEED_SIZE]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_categories(self, item):
        terms = [item.doc_type.name] if item.doc_type else []
        return terms + [collection.name for collection in item.collections.all()]

    def item_extra_kwargs(self, item):
        return {"author_names": [person.name for person in item.authors]}


class PublicFilter(DocumentFilter):
    """The list's filters, read and checked as for an anonymous reader whoever asks: a feed is public."""

    def published_only(self):
        return True


# The list's parameters a feed follows: its filters, not the order or the page (a feed is newest first).
FOLLOWED = tuple(name for name in DocumentFilter.base_filters if name != "sort")


def followed(query):
    """The part of a list's query string that a feed of it keeps, in its order: "" for the whole archive."""
    return urlencode([(key, value) for key, values in query.lists() if key in FOLLOWED for value in values if value])


def search_feed_url(query):
    """The feed of newly published documents that a list page's search and filters select."""
    kept = followed(query)
    return reverse("documents:document_feed") + (f"?{kept}" if kept else "")


class SearchFeed(NewDocumentsFeed):
    """The newest published documents that a search and filters of the list select (/feeds/documents/?q=...,
    the list's own parameters), or the whole archive's without any: the search index chooses them
    from its newest-published order, the database gives those fifty. Kept in the page cache by what the
    filters select, so that a feed reader polling it costs one query."""

    def __call__(self, request, *args, **kwargs):
        filterset = PublicFilter(request.GET, queryset=Document.objects.none(), request=request)
        if not filterset.is_valid():
            problems = "\n".join(f"{label}: {message}" for label, message in filterset.errors_for_reader())
            return HttpResponse(
                f"This feed cannot follow that search:\n{problems}\n", status=400, content_type="text/plain"
            )
        criteria = filterset.criteria()
        request.followed = filterset  # the feed's object (get_object): this view serves every request
        try:
            body, content_type = page_cache.fetch(
                request,
                "search-feed",
                (repr(criteria), request.scheme, request.get_host()),
                lambda: self._render(request),
            )
        except SearchUnavailable:
            return retry_later(HttpResponse("Search is unavailable at the moment.", status=503))
        return HttpResponse(body, content_type=content_type)

    def _render(self, request):
        response = super().__call__(request)
        return response.content, response["Content-Type"]

    def get_object(self, request):
        return request.followed if followed(request.GET) else None

    def title(self, obj):
        if obj is None:
            return super().title(obj)
        chosen = "; ".join(f"{label}: {value}" for label, value, _ in obj.chips(obj.data))
        return f"New documents ({chosen}) · {settings.ARCHIVE_NAME}"

    def subtitle(self, obj):
        if obj is None:
            return super().subtitle(obj)
        return "Newly published documents that match this search of the archive."

    def link(self, obj):
        if obj is None:
            return super().link(obj)
        return f"{reverse('documents:document_list')}?{followed(obj.data)}&sort=-published"

    def feed_url(self, obj):
        return None if obj is None else search_feed_url(obj.data)

    def documents(self, obj):
        if obj is None:
            return super().documents(obj)
        ids = obj.search().page("-published", 0, FEED_SIZE).ids
        return Document.objects.published().filter(pk__in=ids)


class CollectionFeed(NewDocumentsFeed):
    """The newest published documents in one public collection."""

    def get_object(self, request, slug):
        return get_object_or_404(Collection.objects.public(), slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.ARCHIVE_NAME}"

    def subtitle(self, obj):
        return f"New documents in the collection {obj.name}."

    def link(self, obj):
        return obj.get_absolute_url()

    def documents(self, obj):
        return Document.objects.published().filter(collections=obj)


class PersonFeed(NewDocumentsFeed):
    """The newest published documents in which one public person has any role."""

    def get_object(self, request, slug):
        return get_object_or_404(Person.objects.public(), slug=slug)

    def title(self, obj):
        return f"{obj.name} · {settings.ARCHIVE_NAME}"

    def subtitle(self, obj):
        return f"New documents by, to or about {obj.name}."

    def link(self, obj):
        return obj.get_absolute_url()

    def documents(self, obj):
        # A subquery, not a join: a person in two roles in one document is one entry.
        linked = DocumentPerson.objects.filter(person=obj).values("document_id")
        return Document.objects.published().filter(pk__in=linked)

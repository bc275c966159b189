"""Atom feeds of newly published documents: the whole archive, one collection, one person.

Feeds are public whoever asks: they list published documents only, even to staff, because
readers' feed clients and aggregators keep what they fetch."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from ..models import Collection, Document, DocumentPerson, Person

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

"""Reads: the one visibility rule and the prefetch bundles each page needs."""

from collections import namedtuple

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, Subquery

from ..roles import can_preview
from .base import SluggedQuerySet

RelatedDocument = namedtuple("RelatedDocument", "wording document relation")


def related_order(item):
    """Related documents in date order, undated last (the page, the API and the harvests alike)."""
    return (item.document.date is None, item.document.date, item.document.record_id)


class RelationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff see every relation; everyone else those between two published documents."""
        if can_preview(user):
            return self
        published = apps.get_model("documents", "Document").Status.PUBLISHED
        return self.filter(source__status=published, target__status=published)

    def related_to(self, documents, user=None):
        """{document id: [RelatedDocument]} for each of documents: the documents linked to it in either
        direction, worded from its side, in ``related_order``; the other end only if it is published,
        unless user may preview drafts (None: the system, e.g. a harvest or a citation). One query."""
        ids = [document.pk for document in documents]
        if can_preview(user):
            links = Q(source__in=ids) | Q(target__in=ids)
        else:
            published = apps.get_model("documents", "Document").Status.PUBLISHED
            links = Q(source__in=ids, target__status=published) | Q(target__in=ids, source__status=published)
        found = {pk: [] for pk in ids}
        for relation in self.filter(links).select_related("source", "target", "type"):
            if relation.source_id in found:
                found[relation.source_id].append(RelatedDocument(relation.type.name, relation.target, relation))
            if relation.target_id in found:
                found[relation.target_id].append(RelatedDocument(relation.type.inverse_name, relation.source, relation))
        for related in found.values():
            related.sort(key=related_order)
        return found


class DocumentPersonQuerySet(models.QuerySet):
    def correspondence(self, user=None, limit=40):
        """[(author id, recipient id, documents)]: the pairs of people who most often wrote to each other,
        counted in the documents the user may see (published only for None). One query, grouped in the
        database; the archive-wide network (/people/network/) reads it through the page cache."""
        Role = self.model.Role
        recipient = FilteredRelation("document__person_links", condition=Q(document__person_links__role=Role.RECIPIENT))
        links = self.annotate(recipient=recipient).filter(role=Role.AUTHOR)
        if not can_preview(user):
            links = links.filter(document__status=apps.get_model("documents", "Document").Status.PUBLISHED)
        pairs = (
            links.exclude(person=F("recipient__person"))
            .order_by()
            .values_list("person", "recipient__person")
            .annotate(documents=Count("document", distinct=True))
            .order_by("-documents", "person", "recipient__person")
        )
        return list(pairs[:limit])


class DocumentQuerySet(models.QuerySet):
    def published(self):
        """The one rule for what anonymous readers may see."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def visible_to(self, user):
        """Staff preview drafts; everyone else sees published documents only."""
        return self if can_preview(user) else self.published()

    def ids_linked_to(self, model, pk):
        """Ids of the documents that link to a person, a group or a vocabulary term (its ``document_path``)."""
        return list(self.filter(**{model.document_path: pk}).values_list("pk", flat=True).distinct())

    def for_list(self):
        """What a document card shows: type, languages and authors, in a fixed number of queries.
        The long texts a card never shows are not loaded."""
        DocumentPerson = apps.get_model("documents", "DocumentPerson")
        return (
            self.defer("text", "transcript", "source", "rights", "date_note", "alternative_titles")
            .select_related("doc_type", "classification")
            .prefetch_related(
                "languages",
                Prefetch(
                    "person_links",
                    queryset=DocumentPerson.objects.filter(role=DocumentPerson.Role.AUTHOR).select_related("person"),
                    to_attr="author_links",
                ),
            )
        )

    def for_detail(self):
        """Everything the document page shows, except related documents (see Document.related_documents)."""
        DocumentPerson = apps.get_model("documents", "DocumentPerson")
        return self.select_related("doc_type", "classification").prefetch_related(
            "languages",
            "donors",
            "collections",
            "subjects",
            "places",
            "archives",
            "scans",
            Prefetch("person_links", queryset=DocumentPerson.objects.select_related("person")),
        )

    def for_page(self):
        """for_detail() and the aliases of its people, which the document page links in the text."""
        return self.for_detail().prefetch_related("person_links__person__aliases")


class PublicQuerySet(SluggedQuerySet):
    """For people, donors, collections and vocabulary terms: shown only through published documents
    (resolve_old_slug() comes from SluggedQuerySet).

    The model names the path from Document to itself in ``document_path``."""

    def visible_to(self, user):
        """Staff see every row; everyone else only the public() ones."""
        return self if can_preview(user) else self.public()

    def _published_documents(self):
        return apps.get_model("documents", "Document").objects.published()

    def public(self):
        """Rows with at least one published document; nobody sees the others. A correlated EXISTS:
        for each row the database stops at its first published document, found by the link's index,
        so asking about one row (a page, a filter's value) costs the same in a million documents."""
        published = self._published_documents().filter(**{self.model.document_path: OuterRef("pk")})
        return self.filter(Exists(published))

    def with_published_counts(self):
        path = self.model.document_path
        counts = (
            self._published_documents()
            .filter(**{path: OuterRef("pk")})
            .order_by()
            .values(path)
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(document_count=Subquery(counts))

"""Reads: the one visibility rule and the prefetch bundles each page needs."""

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Subquery
from django.utils import timezone

from ..roles import check_can_publish
from .changes import record_unpublished


def can_preview(user):
    """Staff may see drafts; nobody else may."""
    return user is not None and user.is_active and user.is_staff


class DocumentQuerySet(models.QuerySet):
    def published(self):
        """The one rule for what anonymous readers may see."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def visible_to(self, user):
        """Staff preview drafts; everyone else sees published documents only."""
        return self if can_preview(user) else self.published()

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

    def publish(self, user=None):
        """Publish drafts, keeping the first publication date of any that were published before.

        ``user`` is whoever acts through the site, recorded as the last modifier and refused
        (PermissionDenied) without the publish permission; None is the system itself."""
        if user is not None:
            check_can_publish(user)
        now = timezone.now()
        drafts = self.exclude(status=self.model.Status.PUBLISHED)
        ids = list(drafts.values_list("pk", flat=True))
        drafts.filter(first_published_at__isnull=True).update(first_published_at=now)
        # update() skips save(): bump the version so that an edit opened before this is caught.
        count = drafts.update(
            status=self.model.Status.PUBLISHED, modified_at=now, modified_by=user, version=F("version") + 1
        )
        _status_changed(ids)
        _record_in_history(self.model, ids, user, "Published.")
        return count

    def unpublish(self, user=None):
        """Put published documents back to draft; ``user`` as for publish()."""
        if user is not None:
            check_can_publish(user)
        published = self.filter(status=self.model.Status.PUBLISHED)
        ids = list(published.values_list("pk", flat=True))
        count = published.update(
            status=self.model.Status.DRAFT, modified_at=timezone.now(), modified_by=user, version=F("version") + 1
        )
        _status_changed(ids)
        # update() sends no signal: leave the API's tombstones (models/changes.py) for mirrors.
        record_unpublished(self.model.objects.filter(pk__in=ids).values_list("record_id", flat=True))
        _record_in_history(self.model, ids, user, "Unpublished.")
        return count


def _status_changed(ids):
    """update() sends no signals: tell the search index."""
    from ..search import enqueue

    enqueue(ids)


def _record_in_history(model, ids, user, comment):
    """update() records no version either: give each document one, by user, with comment."""
    from ..history.recording import record_each

    record_each(model.objects.filter(pk__in=ids), user, comment)


class PublicQuerySet(models.QuerySet):
    """For people, donors and collections: shown only through published documents.

    The model names the path from Document to itself in ``document_path``."""

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

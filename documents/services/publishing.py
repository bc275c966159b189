"""Publishing and unpublishing documents in bulk (the admin's actions, scripts): one status change,
and what every other part of the archive keeps about it.

``QuerySet.update()`` sends no signals, so this does by hand what a save's signals would: the
search index hears of the change (search/outbox.py), each document gets a version in its history
(history/recording.py), and an unpublication leaves its tombstone for mirrors and harvesters
(models/changes.py)."""

from django.db.models import F
from django.utils import timezone

from ..history.recording import record_each
from ..models import Document
from ..models.changes import record_unpublished
from ..roles import check_can_publish
from ..search import enqueue


def publish(documents, user=None):
    """Publish the drafts among documents (a Document QuerySet), keeping the first publication date of
    any that were published before; the number published.

    ``user`` is whoever acts through the site, recorded as the last modifier and refused
    (PermissionDenied) without the publish permission; None is the system itself."""
    if user is not None:
        check_can_publish(user)
    now = timezone.now()
    drafts = documents.exclude(status=Document.Status.PUBLISHED)
    ids = list(drafts.values_list("pk", flat=True))
    drafts.filter(first_published_at__isnull=True).update(first_published_at=now)
    # update() skips save(): bump the version so that an edit opened before this is caught.
    count = drafts.update(status=Document.Status.PUBLISHED, modified_at=now, modified_by=user, version=F("version") + 1)
    enqueue(ids)
    record_each(Document.objects.filter(pk__in=ids), user, "Published.")
    return count


def unpublish(documents, user=None):
    """Put the published documents among documents back to draft; ``user`` as for publish()."""
    if user is not None:
        check_can_publish(user)
    published = documents.filter(status=Document.Status.PUBLISHED)
    ids = list(published.values_list("pk", flat=True))
    count = published.update(
        status=Document.Status.DRAFT, modified_at=timezone.now(), modified_by=user, version=F("version") + 1
    )
    enqueue(ids)
    record_unpublished(Document.objects.filter(pk__in=ids).values_list("record_id", flat=True))
    record_each(Document.objects.filter(pk__in=ids), user, "Unpublished.")
    return count

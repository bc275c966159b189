"""The archive's public stamp: when anything a user can list last changed.

Read by the API (Last-Modified, ETag) and by the page cache (documents/ops/page_cache.py), whose keys
carry it: any change moves it, so every entry made before the change is unreachable at once."""

from django.db.models import Max

from ..models import Document, DocumentChange


def archive_stamp(user):
    """The last time anything the user can list changed: the newest visible document's modified_at
    (every edit, publication and creation sets it) or the newest tombstone (unpublications and
    deletions). Two reads of an index each (migration 0013)."""
    newest = Document.objects.visible_to(user).aggregate(m=Max("modified_at"))["m"]
    # A draft's tombstone moves no public stamp: it would tell that an unpublished record existed.
    gone = DocumentChange.objects.visible_to(user).aggregate(m=Max("changed_at"))["m"]
    return max((moment for moment in (newest, gone) if moment is not None), default=None)


def request_stamp(request):
    """archive_stamp() for the request's user, read once per request however many parts of the
    response ask (kept on Django's HttpRequest, which DRF's Request wraps). Only for reads: a
    write changes the stamp, so each asking reads it again."""
    holder = getattr(request, "_request", request)
    if holder.method not in ("GET", "HEAD"):
        return archive_stamp(request.user)
    if not hasattr(holder, "_archive_stamp"):
        holder._archive_stamp = archive_stamp(request.user)
    return holder._archive_stamp

"""History: every change to the archive's records kept as a version, with who, when and what.

django-reversion stores the versions (docs/history.md says why it and not django-simple-history).
A revision is one save: a document's version holds its own fields and many-to-many links, and
the same revision holds its parts (people in roles, relations in both directions, scans); a
person's holds its aliases. This package

- registers the models and records what reversion's signals cannot see (this module): a part saved
  on its own (a relation edited from the other document) is a change to its document too, a
  deletion is recorded before the rows go, and bulk ``update()`` calls record through ``record_each()``;
- reads a record's states, past (``states.version_state``) or present (``states.current_state``),
  and the readable, field-by-field changes between any two of them (``diff.entries``, ``diff.diff``);
- reverts a record to a version (``revert.revert``), and restores a deleted one with its parts
  (``recover.restore``).

Every write path opens a revision around its writes with ``recording(user, comment)``: the admin does
(HistoryAdmin), and so must any other (import, API)."""

from contextlib import contextmanager

import reversion
from django.db import transaction
from django.db.models import Prefetch
from django.utils import formats, timezone
from reversion.errors import RevisionManagementError

from ..models import Collection, Document, DocumentPerson, Donor, Person, PersonAlias, Relation, Scan
from .states import FOLLOW, m2m_fields

# A part belongs to these records' histories (the foreign keys that name them).
PARENTS = {DocumentPerson: ("document",), Relation: ("source", "target"), Scan: ("document",), PersonAlias: ("person",)}


# Registration --------------------------------------------------------------------------------

for _model in (Document, Person, Donor, Collection, Relation, DocumentPerson, Scan, PersonAlias):
    if not reversion.is_registered(_model):
        reversion.register(_model, follow=FOLLOW.get(_model, ()))


def part_changed(instance):
    """A part saved or deleted by itself (its own admin page, the other document's form, a script)
    changes its record: put the record, as it now is, in the open revision (documents/signals.py
    calls this for every part of PARENTS)."""
    if not reversion.is_active():
        return
    model = type(instance)
    for name in PARENTS[model]:
        parent_field = model._meta.get_field(name)
        parent = parent_field.related_model._base_manager.filter(pk=getattr(instance, parent_field.attname)).first()
        if parent is not None:
            reversion.add_to_revision(parent)


# Recording -----------------------------------------------------------------------------------


@contextmanager
def recording(user=None, comment="", atomic=True):
    """Record every write to a registered model inside the block as one revision by user.

    Inside an open revision this joins it (one revision in all). atomic=False for a block whose
    writes must not be rolled back with it (e.g. Scan.append_to, which stores files)."""
    with reversion.create_revision(atomic=atomic):
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        yield


def set_comment(comment):
    """Say what the open revision did (no-op outside one)."""
    if reversion.is_active():
        reversion.set_comment(comment)


def record_each(objects, user=None, comment=""):
    """One revision per object, as it now is: for writes that send no signals (QuerySet.update)."""
    for obj in objects:
        with recording(user, comment):
            reversion.add_to_revision(obj)


@contextmanager
def deleting(objects, user=None):
    """Record objects as deleted by user, then delete them inside the block.

    Reversion keeps versions only of rows that exist when a revision closes, so the deleted records
    (with their parts) are recorded first, in a revision of their own: its version is the one that
    "recover deleted" restores. A second revision records what the deletion changes in records that
    stay (a document whose relation goes with the deleted one; documents that lose a deleted donor)."""
    if reversion.is_active():
        raise RevisionManagementError("deleting() records its own revisions: call it outside an open one.")
    objects = list(objects)
    if not objects:
        yield
        return
    opts = objects[0]._meta
    if len(objects) == 1:
        comment = f"Deleted {opts.verbose_name} “{objects[0]}”."
    else:
        comment = f"Deleted {len(objects)} {opts.verbose_name_plural}."
    with transaction.atomic():
        with recording(user, comment):
            for obj in objects:
                reversion.add_to_revision(obj)
        losing_links = _linked_by_many_to_many(objects)
        with recording(user, comment):
            yield
            for obj in losing_links:
                if type(obj)._base_manager.filter(pk=obj.pk).exists():
                    reversion.add_to_revision(obj)


def _linked_by_many_to_many(objects):
    """Registered records whose many-to-many fields point at objects (a donor's documents): the
    database drops those links without signals."""
    model, pks = type(objects[0]), [obj.pk for obj in objects]
    linked = []
    for owner in reversion.get_registered_models():
        for m2m in m2m_fields(owner):
            if m2m.related_model is model:
                linked += owner._base_manager.filter(**{f"{m2m.name}__in": pks}).distinct()
    return linked


def when(version):
    return formats.date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")


def who(version):
    user = version.revision.user
    return (user.get_full_name() or user.get_username()) if user else "the system"


def documents_for_history(pks):
    """The documents with everything their version holds (links, people in roles, relations, scans),
    prefetched, so that recording a version costs no query per document: a list."""
    relations = Relation.objects.select_related("source", "target", "type").only(
        "note", "source__record_id", "target__record_id", "type__name"
    )
    many_to_many = [f.name for f in Document._meta.many_to_many if f.remote_field.through._meta.auto_created]
    documents = list(
        Document.objects.filter(pk__in=pks).prefetch_related(
            *many_to_many,
            "scans",
            Prefetch("person_links", queryset=DocumentPerson.objects.select_related("person")),
            Prefetch("outgoing_relations", queryset=relations),
            Prefetch("incoming_relations", queryset=relations),
        )
    )
    # Django's serializer clones each prefetched many-to-many queryset before reading it, which
    # applies the prefetch's pending filter: a query built per document and field (a quarter of the
    # cost of history in a 10,000-row import). A plain queryset holding the same rows, as
    # prefetch_related itself stores them, serializes alike without it.
    for document in documents:
        cache = document._prefetched_objects_cache
        for name in many_to_many:
            rows = cache[name]
            plain = rows.model._base_manager.none()
            plain._result_cache, plain._prefetch_done = list(rows), True
            cache[name] = plain
    return documents

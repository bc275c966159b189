"""The archive's only receivers: what every write path (admin, API, import, history, shell) must
leave behind when a record changes, whichever path it took.

Signals, not explicit calls, because records change through many paths: inlines, many-to-many
widgets, renamed or deleted people and vocabulary terms, cascades. Each receiver decides once what
changed and hands the work to the layer that owns it:

- the search index: the documents to index again go to the outbox (search/outbox.py);
- freshness: a document's ``modified_at`` moves when what it shows changes (services/freshness.py);
- history: a part saved by itself is a change to its record (history/recording.py); a committed
  revision that changes what readers see of a published document numbers its next public version
  (history/public.py);
- the change log: a document put back to draft or deleted leaves a tombstone (models/changes.py);
- integrity: a donor or collection that documents name is not deleted (models/groups.py).

What a save changes is read from the instance (TrackedFieldsModel: the values it was loaded with),
not from the database again. Writes that send no signals (``QuerySet.update()``, ``bulk_create()``)
do this by hand: services/publishing.py, the importer."""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from reversion.signals import post_revision_commit

from .history import public
from .history.recording import part_changed
from .models import (
    Archive,
    Classification,
    Collection,
    Document,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Place,
    Relation,
    RelationType,
    Scan,
    Subject,
)
from .models.base import VersionedModel
from .models.changes import record_deleted, record_unpublished
from .models.groups import refuse_deleting_while_named
from .search import enqueue
from .services.freshness import documents_showing, shown_fields, touch

# Terms and groups a document links to: their names are in its index entry and on its page.
TERMS = (DocumentType, Classification, Language, Donor, Collection, Subject, Place, Archive)
M2M_FIELDS = ("languages", "donors", "collections", "subjects", "places", "archives")
# What a document shows by name: a change to one moves the documents that name it.
NAMED = (Person, *TERMS, RelationType)


def deleting_the_document(origin, document_id):
    """Whether a deletion started at this link's own document (or at documents): a document's links
    are deleted just before it, and its own receivers take it out of the index, so reindexing or
    touching it once per link in between would be wasted work."""
    if isinstance(origin, Document):
        return origin.pk == document_id
    return isinstance(origin, QuerySet) and origin.model is Document


# Documents ---------------------------------------------------------------------------------------


def record_saving(sender, instance, raw=False, **kwargs):
    """A record this instance did not load (built by hand, a fixture) reads what its row holds before
    it is overwritten, once, for the receivers after the save that compare (a raw save only matters
    to a document's tombstone); one loaded from the database knows already (TrackedFieldsModel). A
    raw save (save_base, which skips save()) counts in the record's version as any other save does."""
    if instance.pk is not None and (not raw or sender is Document):
        instance.stored_values()
    if raw and isinstance(instance, VersionedModel):
        instance.count_save()


def document_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if not raw:
        enqueue([instance.pk])
    published = Document.Status.PUBLISHED
    if created or instance.status == published or "status" not in instance.changed_fields(update_fields):
        return
    if instance.stored_values()["status"] == published:  # put back to draft
        record_unpublished([instance.record_id])


def document_deleting(sender, instance, **kwargs):
    record_deleted(instance)  # before the cascade removes its collection rows


def document_deleted(sender, instance, **kwargs):
    enqueue([instance.pk])  # the document is gone: its entries go


def document_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A language, donor, collection, subject, place or archive linked or unlinked, from either side."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            enqueue([instance.pk])
            touch([instance.pk])
    elif action == "pre_clear":
        # A reverse clear (donor.documents.clear()) names no documents afterwards: act now, in its transaction.
        affected = Document.objects.ids_linked_to(type(instance), instance.pk)
        enqueue(affected)
        touch(affected)
    elif action in ("post_add", "post_remove") and pk_set:
        enqueue(pk_set)
        touch(pk_set)


# Parts of a document or a person -----------------------------------------------------------------


def person_link_changed(sender, instance, raw=False, origin=None, **kwargs):
    part_changed(instance)
    if raw or deleting_the_document(origin, instance.document_id):
        return
    if touch([instance.document_id]):  # the document is still there
        enqueue([instance.document_id])


def scan_changed(sender, instance, raw=False, origin=None, **kwargs):
    part_changed(instance)
    if not raw and not deleting_the_document(origin, instance.document_id):
        touch([instance.document_id])


def relation_changed(sender, instance, raw=False, origin=None, **kwargs):
    part_changed(instance)
    if not raw:
        touch(pk for pk in (instance.source_id, instance.target_id) if not deleting_the_document(origin, pk))


def alias_changed(sender, instance, raw=False, **kwargs):
    part_changed(instance)
    if not raw:
        # Searched, and linked where the text of the person's documents names it (search/mentions.py).
        documents = Document.objects.ids_linked_to(Person, instance.person_id)
        enqueue(documents)
        touch(documents)


def revision_committed(sender, revision, versions, **kwargs):
    public.record(revision, versions)


# Named records: people, terms, groups, relation types --------------------------------------------


def named_record_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """A renamed person or term (or a donor's acknowledgement, a relation type's wording) changes the
    pages of the documents that show it; a new name also changes their index entries."""
    if raw or created:
        return
    changed = instance.changed_fields(update_fields)
    if not changed & set(shown_fields(sender)):
        return
    documents = documents_showing(sender, instance.pk)
    touch(documents)
    if "name" in changed and sender is not RelationType:
        enqueue(documents)


def group_deleting(sender, instance, **kwargs):
    refuse_deleting_while_named(instance)


def term_deleting(sender, instance, **kwargs):
    # Deleting a term removes its links without m2m signals: its documents are reindexed now, in
    # the deletion's transaction.
    enqueue(Document.objects.ids_linked_to(sender, instance.pk))


# Connections -------------------------------------------------------------------------------------

for _model in (Document, *NAMED):
    pre_save.connect(record_saving, sender=_model, dispatch_uid=f"archive-saving-{_model.__name__}")
post_save.connect(document_saved, sender=Document, dispatch_uid="archive-document-saved")
pre_delete.connect(document_deleting, sender=Document, dispatch_uid="archive-document-deleting")
post_delete.connect(document_deleted, sender=Document, dispatch_uid="archive-document-deleted")
for _field_name in M2M_FIELDS:
    m2m_changed.connect(
        document_terms_changed,
        sender=getattr(Document, _field_name).through,
        dispatch_uid=f"archive-document-{_field_name}",
    )
_PART_RECEIVERS = {
    DocumentPerson: person_link_changed,
    Scan: scan_changed,
    Relation: relation_changed,
    PersonAlias: alias_changed,
}
for _model, _receiver in _PART_RECEIVERS.items():
    post_save.connect(_receiver, sender=_model, dispatch_uid=f"archive-part-saved-{_model.__name__}")
    post_delete.connect(_receiver, sender=_model, dispatch_uid=f"archive-part-deleted-{_model.__name__}")
for _model in NAMED:
    post_save.connect(named_record_saved, sender=_model, dispatch_uid=f"archive-named-saved-{_model.__name__}")
post_revision_commit.connect(revision_committed, dispatch_uid="archive-revision-committed")
# The refusal first: nothing else may act on a deletion that will not happen.
for _model in (Donor, Collection):
    pre_delete.connect(group_deleting, sender=_model, dispatch_uid=f"archive-group-deleting-{_model.__name__}")
for _model in TERMS:
    pre_delete.connect(term_deleting, sender=_model, dispatch_uid=f"archive-term-deleting-{_model.__name__}")

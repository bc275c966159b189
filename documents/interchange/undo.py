"""Undoing an import in one step: what it changed put back, what it created deleted, refused if
anything it wrote has been changed since (the fingerprints of state.py)."""

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from reversion.errors import RevisionManagementError

from .. import roles
from ..models import Document, ImportBatch, ImportedRecord, PersonAlias, Relation, RelationType
from ..search import enqueue, suspended
from .state import (
    CHUNK,
    MODELS_BY_NAME,
    document_label,
    document_states,
    documents_naming,
    entity_states,
    fingerprint,
    model_name,
)
from .writes import record_objects, record_versions, set_document_fields, write_document_links


class UndoRefused(Exception):
    """The batch cannot be undone; ``problems`` says why, one line per record."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(problems))


def can_undo(user):
    """Undo deletes the documents an import created, published ones too: editors only."""
    return user is None or (roles.can_publish(user) and user.has_perm("documents.delete_document"))


def undo_problems(batch):
    """Why the batch cannot be undone now (an empty list if it can): each record it wrote that
    someone has changed or deleted since."""
    if batch.status == ImportBatch.Status.UNDONE:
        return ["This import has already been undone."]
    problems = []
    records = batch.records.order_by("pk")
    last = 0
    document_records = records.filter(model="document")
    while chunk := list(document_records.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1].pk
        documents = {
            d.pk: d for d in Document.objects.filter(pk__in=[r.object_id for r in chunk]).select_related("modified_by")
        }
        states = document_states(documents.values(), fingerprint=True)
        for record in chunk:
            document = documents.get(record.object_id)
            if document is None:
                problems.append(f"Document {record.label} has been deleted since the import.")
            elif fingerprint(states[document.pk]) != record.after:
                who = f" by {document.modified_by}" if document.modified_by else ""
                when = timezone.localtime(document.modified_at).strftime("%Y-%m-%d %H:%M")
                problems.append(
                    f"Document {document_label(document.record_id, document.title)} has been changed since "
                    f"the import (last saved {when}{who})."
                )
    others = list(records.exclude(model="document"))
    states = entity_states([(record.model, record.object_id) for record in others])
    for record in others:
        state = states.get((record.model, record.object_id))
        if state is None:
            problems.append(f"The {record.label} has been deleted since the import.")
        elif fingerprint(state) != record.after:
            problems.append(f"The {record.label} has been changed since the import.")
    return problems


def undo_batch(batch, user=None):
    """Put back what the batch changed, delete what it created, in one transaction; return the batch.

    Refused (UndoRefused, nothing changed) if anything it wrote has been changed since, and
    PermissionDenied unless the user may undo. History records it all, by user, as "Undid import
    batch N.": the deleted records as they were (so that "recover deleted" finds them), then the
    restored ones, and the documents that lost or regained a relation with them."""
    if not can_undo(user):
        raise PermissionDenied("Only editors may undo an import.")
    if reversion.is_active():
        raise RevisionManagementError("Undoing an import records its own history: run it outside an open revision.")
    touched = []
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        problems = undo_problems(batch)
        if problems:
            raise UndoRefused(problems)
        recorder = user if user and user.pk else None
        comment = f"Undid import batch {batch.pk} ({batch.file_name})."
        relation_ends = set()  # documents whose relations the undo changes
        restored_documents = []
        with suspended():
            records = batch.records.order_by("pk")
            updated = records.filter(model="document", action=ImportedRecord.Action.UPDATED)
            relations = []  # (document, its relations before): written once all are removed
            for record in updated.iterator(chunk_size=CHUNK):
                document = Document.objects.get(pk=record.object_id)
                _restore_document(document, record.before, user)
                touched.append(document.pk)
                restored_documents.append(document.pk)
                if "related" in record.before:
                    relation_ends |= _relation_ends([document.pk])
                    Relation.objects.filter(source=document).delete()
                    relations.append((document, record.before["related"]))
            # Only now: a relation the import turned round would otherwise meet itself the other way.
            for document, before in relations:
                _restore_relations(document, before)
            relation_ends |= _relation_ends([document.pk for document, _ in relations])
            created = list(
                records.filter(model="document", action=ImportedRecord.Action.CREATED).values_list(
                    "object_id", flat=True
                )
            )
            # Their last version, with their relations to one another: what "recover deleted" restores.
            relation_ends |= _relation_ends(created)
            record_versions(recorder, comment, created)
            for start in range(0, len(created), CHUNK):
                Document.objects.filter(pk__in=created[start : start + CHUNK]).delete()
            touched += created
            others = list(records.exclude(model="document"))
            restored = []
            for record in others:
                if record.action == ImportedRecord.Action.UPDATED:
                    obj = MODELS_BY_NAME[record.model].objects.get(pk=record.object_id)
                    _restore_entity(obj, record.before)
                    restored.append(obj)
                    touched += documents_naming(obj)
            problems, deleting = [], []
            for record in others:
                if record.action == ImportedRecord.Action.CREATED:
                    obj = MODELS_BY_NAME[record.model].objects.get(pk=record.object_id)
                    reason = _delete_guard(obj)
                    if reason:
                        problems.append(f"The {record.label} cannot be deleted: {reason}.")
                    else:
                        deleting.append(obj)
            if problems:
                raise UndoRefused(problems)
            record_versions(recorder, comment, others=record_objects((model_name(type(o)), o.pk) for o in deleting))
            for obj in deleting:
                obj.delete()
            batch.status = ImportBatch.Status.UNDONE
            batch.undone_at = timezone.now()
            batch.undone_by = recorder
            batch.save()
        others = record_objects((model_name(type(obj)), obj.pk) for obj in restored)
        record_versions(recorder, comment, set(restored_documents) | relation_ends, others)
        enqueue(touched)
    return batch


def _restore_document(document, before, user):
    """The document's fields and links (not its relations) as they were before the import."""
    set_document_fields(document, before)
    document.modified_by = user if user and user.pk else None
    document.save()
    write_document_links(document, before)


def _restore_relations(document, related):
    pks = dict(
        Document.objects.filter(record_id__in=[record_id for _, record_id, _ in related])
        .values_list("record_id", "pk")
        .order_by()
    )
    Relation.objects.bulk_create(
        Relation(source=document, target_id=pks[record_id], type_id=type_id, note=note)
        for type_id, record_id, note in related
        if record_id in pks
    )


def _restore_entity(obj, before):
    for name, value in before.items():
        if name == "aliases":
            PersonAlias.objects.filter(person=obj).delete()
            PersonAlias.objects.bulk_create(PersonAlias(person=obj, name=alias, kind=kind) for alias, kind in value)
        else:
            setattr(obj, name, value)
    obj.save()


def _relation_ends(pks):
    """The pks of the documents at either end of a relation of these documents."""
    ends = set()
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        rows = Relation.objects.filter(Q(source_id__in=chunk) | Q(target_id__in=chunk)).order_by()
        for source, target in rows.values_list("source_id", "target_id"):
            ends |= {source, target}
    return ends


def _delete_guard(obj):
    """Why obj cannot be deleted by an undo (documents still name it), or None."""
    if isinstance(obj, RelationType):
        relation = obj.relations.select_related("source").first()
        return f"documents are linked by it ({relation})" if relation else None
    path = obj.document_path
    document = Document.objects.filter(**{path: obj.pk}).order_by("record_id").first()
    return f"document {document.record_id} names it" if document else None

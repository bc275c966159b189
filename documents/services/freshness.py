"""A document's ``modified_at`` moves whenever anything its public description shows changes.

Harvesters (OAI-PMH datestamps), mirrors (the API's ``updated_since``) and HTTP validators read
``modified_at``. A document's own save sets it; these signals set it when the change happens
elsewhere: a person added to it or removed, a relation or a scan, a term or group linked, or a
linked person, term or group renamed (its name or its address), a donor's acknowledgement or a
relation type's wording changed. ``QuerySet.update()`` touches no
version: this is not an edit of the document, so an edit open in the admin is not made stale."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from ..models import Document, DocumentPerson, Donor, Person, Relation, RelationType, Scan
from ..search.signals import M2M_FIELDS, TERMS, deleting_the_document, documents_of

# What a document shows by name and address: its people, terms and groups; of a donor also its
# acknowledgement, and of a relation type the wording of each side.
NAMED = (Person, *TERMS, RelationType)
SHOWN = {Donor: ("name", "slug", "acknowledgement"), RelationType: ("name", "inverse_name")}


def _shown(model):
    fields = [f.name for f in model._meta.concrete_fields]
    return SHOWN.get(model, ("name", "slug") if "slug" in fields else ("name",))


def _documents_showing(model, pk):
    if model is RelationType:
        relations = Relation.objects.filter(type=pk)
        return {*relations.values_list("source_id", flat=True), *relations.values_list("target_id", flat=True)}
    return documents_of(model, pk)


def touch(document_ids):
    """Set ``modified_at`` of these documents to now, in one UPDATE."""
    ids = {pk for pk in document_ids if pk is not None}
    if ids:
        Document.objects.filter(pk__in=ids).update(modified_at=timezone.now())


def _surviving(ids, origin):
    """The documents not being deleted: a document's links go just before it, nothing to touch."""
    return [pk for pk in ids if not deleting_the_document(origin, pk)]


def _document_link_changed(sender, instance, raw=False, origin=None, **kwargs):
    if not raw:
        touch(_surviving([instance.document_id], origin))


def _relation_changed(sender, instance, raw=False, origin=None, **kwargs):
    if not raw:
        touch(_surviving([instance.source_id, instance.target_id], origin))


def _terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:
        if action != "pre_clear":
            touch([instance.pk])
    elif action == "pre_clear":
        # A reverse clear names no documents afterwards: note them now.
        instance._fresh_affected = documents_of(type(instance), instance.pk)
    elif action == "post_clear":
        touch(instance.__dict__.pop("_fresh_affected", []))
    else:
        touch(pk_set or [])


def _note_rename(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._fresh_renamed = False
        return
    fields = _shown(sender)
    before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()
    instance._fresh_renamed = before is not None and before != tuple(getattr(instance, f) for f in fields)


def _renamed(sender, instance, raw=False, **kwargs):
    if not raw and instance.__dict__.pop("_fresh_renamed", False):
        touch(_documents_showing(sender, instance.pk))


for model in (DocumentPerson, Scan):
    post_save.connect(_document_link_changed, sender=model, dispatch_uid=f"fresh-{model.__name__}-saved")
    post_delete.connect(_document_link_changed, sender=model, dispatch_uid=f"fresh-{model.__name__}-deleted")
post_save.connect(_relation_changed, sender=Relation, dispatch_uid="fresh-relation-saved")
post_delete.connect(_relation_changed, sender=Relation, dispatch_uid="fresh-relation-deleted")
for field_name in M2M_FIELDS:
    through = getattr(Document, field_name).through
    m2m_changed.connect(_terms_changed, sender=through, dispatch_uid=f"fresh-{field_name}")
for model in NAMED:
    pre_save.connect(_note_rename, sender=model, dispatch_uid=f"fresh-rename-{model.__name__}")
    post_save.connect(_renamed, sender=model, dispatch_uid=f"fresh-renamed-{model.__name__}")

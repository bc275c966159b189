"""Keep the search index current on every write path (admin, import, API, shell): each change puts
the documents it touches into the outbox (outbox.py), in the change's own transaction.

Signals, not explicit calls, because documents change through many paths: inlines,
many-to-many widgets, renamed or deleted people and vocabulary terms. Writes that send no
signals (bulk_create, QuerySet.update of indexed fields) must call enqueue() themselves, or run
inside suspended() and rebuild."""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from ..models import (
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
    Subject,
)
from .outbox import enqueue

TERMS = (DocumentType, Classification, Language, Donor, Collection, Subject, Place, Archive)
M2M_FIELDS = ("languages", "donors", "collections", "subjects", "places", "archives")


def documents_of(model, pk):
    """Ids of the documents linked to a person or a vocabulary term."""
    return list(Document.objects.filter(**{model.document_path: pk}).values_list("pk", flat=True).distinct())


@receiver(post_save, sender=Document)
def document_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue([instance.pk])


@receiver(post_delete, sender=Document)
def document_deleted(sender, instance, **kwargs):
    enqueue([instance.pk])  # the document is gone: its entries go


def document_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            enqueue([instance.pk])
    elif action == "pre_clear":
        # A reverse clear (donor.documents.clear()) names no documents afterwards: note them now.
        instance._search_affected = documents_of(type(instance), instance.pk)
    elif action == "post_clear":
        enqueue(getattr(instance, "_search_affected", []))
    elif action in ("post_add", "post_remove") and pk_set:
        enqueue(pk_set)


for field_name in M2M_FIELDS:
    m2m_changed.connect(
        document_terms_changed,
        sender=getattr(Document, field_name).through,
        dispatch_uid=f"search-{field_name}",
    )


def deleting_the_document(origin, document_id):
    """Whether a deletion started at this link's own document (or at documents): a document's links
    are deleted just before it, and its own post_delete takes it out of the index, so reindexing
    it once per link in between would be wasted work."""
    if isinstance(origin, Document):
        return origin.pk == document_id
    return isinstance(origin, QuerySet) and origin.model is Document


@receiver(post_save, sender=DocumentPerson)
@receiver(post_delete, sender=DocumentPerson)
def person_link_changed(sender, instance, raw=False, origin=None, **kwargs):
    if raw or deleting_the_document(origin, instance.document_id):
        return
    if Document.objects.filter(pk=instance.document_id).exists():
        enqueue([instance.document_id])


@receiver(post_save, sender=PersonAlias)
@receiver(post_delete, sender=PersonAlias)
def alias_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue(documents_of(Person, instance.person_id))


def name_before_save(sender, instance, raw=False, **kwargs):
    """Note whether the name changes: only then do the linked documents need reindexing."""
    if raw or instance.pk is None:
        instance._search_renamed = False
        return
    previous = sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    instance._search_renamed = previous != instance.name


def renamed(sender, instance, raw=False, **kwargs):
    if not raw and getattr(instance, "_search_renamed", False):
        enqueue(documents_of(sender, instance.pk))


def term_deleting(sender, instance, **kwargs):
    # Deleting a term removes its links without m2m signals: note the documents first.
    instance._search_affected = documents_of(sender, instance.pk)


def term_deleted(sender, instance, **kwargs):
    enqueue(getattr(instance, "_search_affected", []))


for model in (Person, *TERMS):
    pre_save.connect(name_before_save, sender=model, dispatch_uid=f"search-name-{model.__name__}")
    post_save.connect(renamed, sender=model, dispatch_uid=f"search-renamed-{model.__name__}")
for model in TERMS:
    pre_delete.connect(term_deleting, sender=model, dispatch_uid=f"search-deleting-{model.__name__}")
    post_delete.connect(term_deleted, sender=model, dispatch_uid=f"search-deleted-{model.__name__}")

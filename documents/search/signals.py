"""Keep the search index current on every write path (admin, import, API, shell).

Signals, not explicit calls, because documents change through many paths: inlines,
many-to-many widgets, renamed people and vocabulary terms."""

from django.db.models.signals import m2m_changed, post_delete, post_save
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
from . import get_backend, reindex_documents


@receiver(post_save, sender=Document)
def document_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_documents([instance.pk])


@receiver(post_delete, sender=Document)
def document_deleted(sender, instance, **kwargs):
    get_backend().delete([instance.pk])


@receiver(m2m_changed, sender=Document.languages.through)
@receiver(m2m_changed, sender=Document.donors.through)
@receiver(m2m_changed, sender=Document.collections.through)
@receiver(m2m_changed, sender=Document.subjects.through)
@receiver(m2m_changed, sender=Document.places.through)
@receiver(m2m_changed, sender=Document.archives.through)
def document_terms_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        reindex_documents([instance.pk])
    elif pk_set:
        reindex_documents(pk_set)


@receiver(post_save, sender=DocumentPerson)
@receiver(post_delete, sender=DocumentPerson)
def person_link_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_documents([instance.document_id])


def _documents_of(path, pk):
    return Document.objects.filter(**{path: pk}).values_list("pk", flat=True)


@receiver(post_save, sender=PersonAlias)
@receiver(post_delete, sender=PersonAlias)
def alias_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_documents(_documents_of("person_links__person", instance.person_id).distinct())


@receiver(post_save, sender=Person)
def person_saved(sender, instance, created, raw=False, **kwargs):
    if not (raw or created):
        reindex_documents(_documents_of("person_links__person", instance.pk).distinct())


@receiver(post_save, sender=DocumentType)
@receiver(post_save, sender=Classification)
@receiver(post_save, sender=Language)
@receiver(post_save, sender=Donor)
@receiver(post_save, sender=Collection)
@receiver(post_save, sender=Subject)
@receiver(post_save, sender=Place)
@receiver(post_save, sender=Archive)
def term_renamed(sender, instance, created, raw=False, **kwargs):
    if not (raw or created):
        reindex_documents(_documents_of(sender.document_path, instance.pk).distinct())

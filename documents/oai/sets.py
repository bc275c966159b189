"""Sets: one per collection and one per document type, under the parents "collection" and "type".

A record's sets are read from its document while it is published, and from its tombstone once it
is deleted (``DocumentChange.sets``, written when the tombstone is made by the change log,
models/changes.py, which names the specs), so a selective harvest
by set sees its deletions too."""

import re

from django.db.models import Exists, OuterRef, Q

from ..models import Collection, Document, DocumentType
from ..models.changes import COLLECTION_SET, TYPE_SET

COLLECTION = COLLECTION_SET
TYPE = TYPE_SET
PARENTS = {COLLECTION: "Collections", TYPE: "Document types"}

# The setSpec syntax of the OAI-PMH schema.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*\Z")


def document_specs(document):
    """The specs of a document with its type and collections loaded (select_related, prefetch)."""
    specs = [f"{TYPE}:{document.doc_type.slug}"] if document.doc_type else []
    return specs + [f"{COLLECTION}:{collection.slug}" for collection in document.collections.all()]


def document_filter(spec):
    """A Q on Document for the published documents in the set (and its children)."""
    parent, _, slug = spec.partition(":")
    if ":" in slug:
        return Q(pk__in=[])
    if parent == TYPE:
        return Q(doc_type__slug=slug) if slug else Q(doc_type__isnull=False)
    if parent == COLLECTION:
        memberships = Document.collections.through.objects.filter(document=OuterRef("pk"))
        return Q(Exists(memberships.filter(collection__slug=slug) if slug else memberships))
    return Q(pk__in=[])


def tombstone_filter(spec):
    """A Q on DocumentChange for the tombstones of documents that were in the set when they went."""
    parent, _, slug = spec.partition(":")
    return Q(sets__contains=f" {spec} ") if slug else Q(sets__contains=f" {parent}:")


def all_sets():
    """[(spec, name)]: the parents, then each public collection and type (drafts' alone are not told)."""
    found = [(COLLECTION, PARENTS[COLLECTION])]
    found += [(f"{COLLECTION}:{c.slug}", c.name) for c in Collection.objects.public().only("slug", "name")]
    found.append((TYPE, PARENTS[TYPE]))
    found += [(f"{TYPE}:{t.slug}", t.name) for t in DocumentType.objects.public().only("slug", "name")]
    return found

"""Sets: one per collection and one per document type, under the parents "collection" and "type".

A record's sets are read from its document while it is published, and from its tombstone once it
is deleted (``DocumentChange.sets``, written when the tombstone is made), so a selective harvest
by set sees its deletions too."""

import re

from django.db.models import Exists, OuterRef, Q

COLLECTION = "collection"
TYPE = "type"
PARENTS = {COLLECTION: "Collections", TYPE: "Document types"}

# The setSpec syntax of the OAI-PMH schema.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*\Z")


def document_specs(document):
    """The specs of a document with its type and collections loaded (select_related, prefetch)."""
    specs = [f"{TYPE}:{document.doc_type.slug}"] if document.doc_type else []
    return specs + [f"{COLLECTION}:{collection.slug}" for collection in document.collections.all()]


def stored(specs):
    """Specs as a tombstone keeps them: space-separated and space-padded, so that a LIKE finds one exactly."""
    return f" {' '.join(specs)} " if specs else ""


def specs_by_record(record_ids):
    """{record id: stored specs} for the documents with these record ids, in two queries."""
    from ..models import Document

    record_ids = list(record_ids)
    specs = {record_id: [] for record_id in record_ids}
    for record_id, slug in Document.objects.filter(record_id__in=record_ids, doc_type__isnull=False).values_list(
        "record_id", "doc_type__slug"
    ):
        specs[record_id].append(f"{TYPE}:{slug}")
    memberships = Document.collections.through.objects.filter(document__record_id__in=record_ids)
    for record_id, slug in memberships.values_list("document__record_id", "collection__slug").order_by(
        "collection__name"
    ):
        specs[record_id].append(f"{COLLECTION}:{slug}")
    return {record_id: stored(found) for record_id, found in specs.items()}


def document_filter(spec):
    """A Q on Document for the published documents in the set (and its children)."""
    from ..models import Document

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
    from ..models import Collection, DocumentType

    found = [(COLLECTION, PARENTS[COLLECTION])]
    found += [(f"{COLLECTION}:{c.slug}", c.name) for c in Collection.objects.public().only("slug", "name")]
    found.append((TYPE, PARENTS[TYPE]))
    found += [(f"{TYPE}:{t.slug}", t.name) for t in DocumentType.objects.public().only("slug", "name")]
    return found

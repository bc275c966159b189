"""A document's ``modified_at`` moves whenever anything its public description shows changes.

Harvesters (OAI-PMH datestamps), mirrors (the API's ``updated_since``) and HTTP validators read
``modified_at``. A document's own save sets it; the receivers in documents/signals.py call these
when the change happens elsewhere: a person added to it or removed, a relation or a scan, a term or
group linked, or a linked person, term or group renamed (its name or its address), a donor's
acknowledgement or a relation type's wording changed. ``QuerySet.update()`` touches no version:
this is not an edit of the document, so an edit open in the admin is not made stale."""

from django.utils import timezone

from ..models import Document, Donor, Person, Relation, RelationType

# What a document shows by name and address: its people, terms and groups; of a donor also its
# acknowledgement, of a relation type the wording of each side, and of a person what their card shows.
SHOWN = {
    Donor: ("name", "slug", "acknowledgement"),
    RelationType: ("name", "inverse_name"),
    Person: Person.tracked_fields,  # a person's card in the text shows more than the name
}


def shown_fields(model):
    """The fields of a person, term, group or relation type that the documents naming it show."""
    fields = [f.name for f in model._meta.concrete_fields]
    return SHOWN.get(model, ("name", "slug") if "slug" in fields else ("name",))


def documents_showing(model, pk):
    """Ids of the documents that show this person, term, group or relation type."""
    if model is RelationType:
        relations = Relation.objects.filter(type=pk)
        return {*relations.values_list("source_id", flat=True), *relations.values_list("target_id", flat=True)}
    return Document.objects.ids_linked_to(model, pk)


def touch(document_ids):
    """Set ``modified_at`` of these documents to now, in one UPDATE; the number of documents found."""
    ids = {pk for pk in document_ids if pk is not None}
    if not ids:
        return 0
    return Document.objects.filter(pk__in=ids).update(modified_at=timezone.now())

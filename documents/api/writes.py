"""How each writable resource is written through the API: the rules beyond the admin's permissions
(publishing, unpublishing and deleting a published document also ask documents/roles.py; a
person's name is theirs alone), and what a write changes besides the record's own fields (a
document's people in each role, a person's aliases), merged as documents/history/locking.py merges fields
when the edit started from an older version.

The viewsets in views.py take these mixins; the machinery they share is mixins.WritableMixin."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from .. import roles
from ..history.diff import PEOPLE_LABELS
from ..history.locking import Conflict
from ..models import Document, DocumentPerson, Person, PersonAlias, Relation
from .conditional import ANY, PreconditionFailed, if_match_tags
from .errors import Duplicate, raise_missing_document
from .mixins import CONFLICT, KEEP, TAKE, WritableMixin, merge_part, stale
from .serializers.read import RelationSerializer
from .serializers.write import (
    CollectionWriteSerializer,
    DocumentWriteSerializer,
    DonorWriteSerializer,
    PersonWriteSerializer,
    RelationWriteSerializer,
)

# A document's people, by the detail shape's field for each role.
ROLE_FIELDS = {
    "authors": DocumentPerson.Role.AUTHOR,
    "recipients": DocumentPerson.Role.RECIPIENT,
    "participants": DocumentPerson.Role.PARTICIPANT,
    "people_mentioned": DocumentPerson.Role.MENTIONED,
}


class DocumentWrites(WritableMixin):
    write_serializer_class = DocumentWriteSerializer

    def writable(self, key):
        found = Document.objects.filter(record_id=key).first()
        if found is None:
            raise_missing_document(key, self.request.user)
        return found

    def check_write(self, document, data):
        current = document.status if document is not None else Document.Status.DRAFT
        if data.get("status", current) != current and not roles.can_publish(self.request.user):
            raise PermissionDenied("You do not have permission to publish or unpublish documents.")

    def check_delete(self, document):
        if not roles.can_delete_document(self.request.user, document):
            raise PermissionDenied(
                "Deleting a published document takes it off the site: it needs the publish permission."
            )

    def write(self, document, data, base_version, base):
        data = dict(data)
        people = {name: data.pop(name) for name in ROLE_FIELDS if name in data}
        if "alternative_titles" in data:
            data["alternative_titles"] = "\n".join(title.strip() for title in data["alternative_titles"])
        document, outcome = self.save_fields(document or Document(), data, base_version, self.request.user, base)
        if outcome is not None and outcome.stale:
            people = self.merge_people(document, people, outcome, base)
        for name, chosen in people.items():
            set_people(document, ROLE_FIELDS[name], chosen)
        return document

    @staticmethod
    def merge_people(document, people, outcome, base):
        """The roles an edit from an older version may set. As save_from does for fields: a role only
        they changed keeps their people, one only you changed takes yours, and one you both changed
        differently is a 412 with both lists (without the base version's people, any change is)."""
        current, was = {}, {}
        links = sorted(base.parts["person_links"], key=lambda row: (row["order"], row["id"])) if base else []
        for name, role in ROLE_FIELDS.items():
            current[name] = list(document.person_links.filter(role=role).values_list("person_id", flat=True))
            if base is not None:
                was[name] = [row["person_id"] for row in links if row["role"] == role]
        conflicts, merged = [], {}
        for name, chosen in people.items():
            yours = [person.pk for person in chosen]
            decision = merge_part(was.get(name), current[name], yours)
            if decision == TAKE:
                merged[name] = chosen
            if decision != CONFLICT:
                continue
            named = Person._base_manager.in_bulk(current[name] + yours)
            conflicts.append(
                Conflict(
                    name,
                    PEOPLE_LABELS[ROLE_FIELDS[name]],
                    ", ".join(str(named[pk]) for pk in current[name]) or "(none)",
                    ", ".join(str(named[pk]) for pk in yours) or "(none)",
                )
            )
        if conflicts:
            raise stale(outcome, conflicts)
        return merged


def set_people(document, role, people):
    """Make the document's people in this role exactly these, in this order; rows kept where they can be."""
    existing = {link.person_id: link for link in document.person_links.filter(role=role)}
    wanted = [person.pk for person in people]
    for person_id, link in existing.items():
        if person_id not in wanted:
            link.delete()
    for order, person in enumerate(people, start=1):
        link = existing.get(person.pk)
        if link is None:
            DocumentPerson.objects.create(document=document, person=person, role=role, order=order)
        elif link.order != order:
            link.order = order
            link.save(update_fields=["order"])


class PersonWrites(WritableMixin):
    write_serializer_class = PersonWriteSerializer

    def check_write(self, person, data):
        """A name another person has (whatever its case, spacing or Unicode form) is a 409 naming them."""
        if "name" not in data:
            return
        namesake = Person(pk=getattr(person, "pk", None), name=data["name"]).namesake()
        if namesake is not None:
            where = self.request.build_absolute_uri(reverse("api:person-detail", kwargs={"slug": namesake.slug}))
            message = f"Not saved: {namesake.duplicate_message(where)}"
            raise Duplicate(message, {"name": [message], "existing": [where]})

    def write(self, person, data, base_version, base):
        data = dict(data)
        aliases = data.pop("aliases", None)
        person, outcome = self.save_fields(person or Person(), data, base_version, self.request.user, base)
        if aliases is None:
            return person
        wanted = {alias["name"]: alias.get("kind", PersonAlias.Kind.OTHER) for alias in aliases}
        if outcome is not None and outcome.stale:
            # The aliases as one list, merged as save_from merges a field.
            current = sorted(person.aliases.values_list("name", "kind"))
            was = None if base is None else sorted((row["name"], row["kind"]) for row in base.parts["aliases"])
            decision = merge_part(was, current, sorted(wanted.items()))
            if decision == CONFLICT:
                listed = [
                    ", ".join(f"{name} ({kind})" for name, kind in side) or "(none)"
                    for side in (current, wanted.items())
                ]
                raise stale(outcome, [Conflict("aliases", "Aliases", *listed)])
            if decision == KEEP:
                return person
        person.aliases.exclude(name__in=wanted).delete()
        for name, kind in wanted.items():
            PersonAlias.objects.update_or_create(person=person, name=name, defaults={"kind": kind})
        return person


class SimpleWrites(WritableMixin):
    """Donors and collections: their own fields only."""

    def write(self, record, data, base_version, base):
        model = self.write_serializer_class.Meta.model
        record, _ = self.save_fields(record or model(), dict(data), base_version, self.request.user, base)
        return record


class DonorWrites(SimpleWrites):
    write_serializer_class = DonorWriteSerializer


class CollectionWrites(SimpleWrites):
    write_serializer_class = CollectionWriteSerializer


class RelationWrites(WritableMixin):
    """Relations have no version of their own: If-Match is compared with the ETag a GET gives now."""

    write_serializer_class = RelationWriteSerializer

    def writable(self, key):
        found = Relation.objects.select_related("source", "target", "type").filter(pk=key).first()
        if found is None:
            raise Http404("No relation at this address.")
        return found

    def current_etag(self, request, relation):
        data = RelationSerializer(relation, context=self.get_serializer_context()).data
        return self.etag_of(request, data)

    def base_version(self, request, relation):
        tags = if_match_tags(request)
        current = self.current_etag(request, relation).strip('"')
        if tags != ANY and (False, current) not in tags:
            raise PreconditionFailed(
                f"Not saved: relation {relation.pk} changed after you read it (it is now {relation}). "
                "Read it again, then send your change with its current ETag."
            )
        return None

    def check_current(self, request, relation):
        self.base_version(request, relation)

    def write(self, relation, data, base_version, base):
        relation = relation or Relation()
        for name, value in data.items():
            setattr(relation, name, value)
        relation.save()
        return relation

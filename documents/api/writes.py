"""The API's write side: what staff programs may create, change and delete, with the admin's rules.

- Who: active staff with the admin's add/change/delete permission on the model (StaffWrites);
  publishing, unpublishing and deleting a published document also ask documents/roles.py.
- Which version: a change or a delete names the version it started from in ``If-Match`` (the
  ETag of a read, etags.py); none is a 428. A change from an earlier version is merged with the
  saves since, from that version as the history holds it; a field both changed is a 412 naming
  the field, their value and yours, with nothing changed (documents/history/locking.py).
- What is kept: every write is one revision in the record's history (documents/history/recording.py).

The viewsets in views.py take these mixins; the serializers that read a write are here too."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response

from .. import roles
from ..history.diff import PEOPLE_LABELS
from ..history.locking import Conflict, StaleEdit, VersionChanged, save_from, user_name
from ..history.recording import deleting, recording, set_comment
from ..history.states import fingerprints_of, state_at
from ..models import (
    Classification,
    Collection,
    Document,
    DocumentChange,
    DocumentPerson,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Relation,
    RelationType,
)
from ..models.documents import gone_record_id_message, gone_record_ids
from ..validators import validate_web_url
from . import etags
from .errors import Gone
from .serializers import RelationSerializer, SelectableFieldsMixin

WRITE_ACTIONS = ("create", "update", "partial_update", "destroy")
# A document's people, by the detail shape's field for each role.
ROLE_FIELDS = {
    "authors": DocumentPerson.Role.AUTHOR,
    "recipients": DocumentPerson.Role.RECIPIENT,
    "participants": DocumentPerson.Role.PARTICIPANT,
    "people_mentioned": DocumentPerson.Role.MENTIONED,
}


# -- errors -----------------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"
    default_detail = (
        "Send If-Match with the ETag of your last read of this record (GET it first): "
        "a write must say which version it changes."
    )


class PreconditionFailed(exceptions.APIException):
    """A 412: the record changed since the client read it; ``fields`` names what both changed."""

    status_code = 412
    default_code = "precondition_failed"

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.fields = fields or {}


class StillNamed(exceptions.APIException):
    """A 409: a record that others still name (a person in a document) is not deleted."""

    status_code = 409
    default_code = "still_named"


class Duplicate(exceptions.APIException):
    """A 409: the write would make a second record of one that exists (a person of the same name);
    ``fields`` names the field, and under ``existing`` the address of the record in the API."""

    status_code = 409
    default_code = "duplicate"

    def __init__(self, message, fields):
        super().__init__(message)
        self.fields = fields


def still_named(record, protected):
    """A 409 that says which documents still name the record (through a person's links, or a donor's
    or collection's documents themselves), or how many records do; ``fields`` lists the record IDs."""
    documents = {getattr(named, "document", named) for named in protected}
    record_ids = sorted({document.record_id for document in documents if isinstance(document, Document)})
    if not record_ids:
        return StillNamed(f"Not deleted: {record} is still named by {len(protected)} other record(s).")
    shown = ", ".join(map(str, record_ids[:20])) + (f" and {len(record_ids) - 20} more" if len(record_ids) > 20 else "")
    noun = "document" if len(record_ids) == 1 else "documents"
    error = StillNamed(
        f"Not deleted: {record} is named in {len(record_ids)} {noun} (record ID {shown}). "
        f"Remove {record} from {'it' if len(record_ids) == 1 else 'them'} first; nothing was deleted."
    )
    error.fields = {"documents": [str(record_id) for record_id in record_ids]}
    return error


KEEP, TAKE, CONFLICT = "keep", "take", "conflict"


def merge_part(was, current, yours):
    """How an edit from an older version changes a list of parts (a role's people, the aliases), by
    the rule of documents/history/locking.py for fields: KEEP (yours is no change: theirs stays), TAKE (only
    you changed it) or CONFLICT (you both did, differently; or the base is unknown, was None)."""
    if yours == current or (was is not None and yours == was):
        return KEEP
    return TAKE if was is not None and current == was else CONFLICT


def stale(outcome, conflicts=None):
    """A StaleEdit's outcome as a 412: who saved in between, and each field both changed, with
    their value and yours."""
    conflicts = outcome.conflicts if conflicts is None else conflicts
    labels = ", ".join(conflict.label for conflict in conflicts)
    return PreconditionFailed(
        f"Not saved: {outcome.between()}. You both changed {labels}. "
        "Read it again for its current ETag and values, then send your change with that ETag.",
        {conflict.key: [f"Theirs: {conflict.theirs}. Yours: {conflict.yours}."] for conflict in conflicts},
    )


def raise_missing_document(record_id, user):
    """No document has this record ID: a 410 if it had one that was deleted, else a 404."""
    if DocumentChange.objects.gone(record_id, user):
        raise Gone()
    raise Http404("No document with this record ID.")


# -- who may write ----------------------------------------------------------------------------------


class StaffWrites(permissions.DjangoModelPermissions):
    """Reads for everyone (each viewset's queryset decides what is seen); writes for active staff
    with the admin's permission for the model: add for POST, change for PUT and PATCH, delete for
    DELETE, exactly as the admin asks (documents/roles.py gives them to the groups)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        return super().has_permission(request, view)


# -- If-Match (etags.py) ----------------------------------------------------------------------------


def if_match_tags(request):
    """etags.ANY, or the [(weak?, tag)] of If-Match; a 428 without one."""
    tags = etags.if_match(request.headers.get("If-Match"))
    if tags is None:
        raise PreconditionRequired()
    return tags


def no_match(record, tags):
    """A 412 for an If-Match that names no version of record."""
    why = (
        "a weak ETag (W/…) never matches, as If-Match compares strongly"
        if all(weak for weak, _ in tags)
        else "it holds no ETag this server gave for this record"
    )
    return PreconditionFailed(
        f"Not saved: If-Match does not match this {record._meta.verbose_name}: {why}. "
        "Read it again, then send your change with its ETag exactly as it came."
    )


def if_match_version(request, record):
    """The version of record that If-Match names: the current one for ``*``, else the latest one
    of the tags this server issued for it (an earlier one: an edit to merge); a 412 if none."""
    tags = if_match_tags(request)
    if tags == etags.ANY:
        return record.version
    versions = {etags.issued_version(record, tag) for weak, tag in tags if not weak}
    versions = {version for version in versions if version is not None and version <= record.version}
    if not versions:
        raise no_match(record, tags)
    return max(versions)


# -- serializers: what a write sends ----------------------------------------------------------------


class KeyField(serializers.SlugRelatedField):
    """A related record by a text key. A NUL character, which no key holds and PostgreSQL cannot
    even compare, is refused as a validation error before any query."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\0"))
        return super().to_internal_value(data)


def slugs(model, **kwargs):
    return KeyField(slug_field="slug", queryset=model.objects.all(), **kwargs)


class PeopleField(serializers.ListField):
    """People in one role, in order, by slug."""

    def __init__(self, **kwargs):
        super().__init__(child=slugs(Person), required=False, **kwargs)

    def to_internal_value(self, data):
        people = super().to_internal_value(data)
        if len({person.pk for person in people}) != len(people):
            raise serializers.ValidationError("A person is named twice in this role.")
        return people


class WriteSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    """Reads a write's body; the view writes it (history, locking and permissions are the view's)."""

    def to_internal_value(self, data):
        # DRF's CharField also takes a number and makes it text; the schema says text (type: string).
        if isinstance(data, dict):
            texts = [name for name, field in self.fields.items() if isinstance(field, serializers.CharField)]
            wrong = [name for name in texts if data.get(name) is not None and not isinstance(data[name], str)]
            if wrong:
                raise serializers.ValidationError({name: ["Not text."] for name in wrong}, code="invalid")
        return super().to_internal_value(data)


class DocumentWriteSerializer(WriteSerializer):
    """A document as a client sends it: the detail shape's writable fields, with related records
    by slug (languages by code) and people by role as lists of person slugs."""

    record_id = serializers.IntegerField(
        min_value=1, required=False, help_text="The permanent public number; the next free one if left out."
    )
    alternative_titles = serializers.ListField(child=serializers.CharField(), required=False)
    type = slugs(DocumentType, source="doc_type", allow_null=True, required=False)
    classification = slugs(Classification, allow_null=True, required=False)
    languages = KeyField(slug_field="code", queryset=Language.objects.all(), many=True, required=False)
    authors = PeopleField()
    recipients = PeopleField()
    participants = PeopleField()
    people_mentioned = PeopleField()
    donors = slugs(Donor, many=True, required=False)
    collections = slugs(Collection, many=True, required=False)
    status = serializers.ChoiceField(
        choices=Document.Status.choices,
        required=False,
        help_text="Only staff who may publish may change it; a new document is a draft by default.",
    )

    class Meta:
        model = Document
        fields = [
            "record_id",
            "title",
            "slug",
            "alternative_titles",
            "date",
            "date_precision",
            "date_circa",
            "date_note",
            "type",
            "languages",
            "classification",
            "summary",
            "text",
            "transcript",
            "authors",
            "recipients",
            "participants",
            "people_mentioned",
            "collections",
            "source",
            "rights",
            "original_uploaded_date",
            "donors",
            "status",
        ]

    def validate_record_id(self, value):
        if self.instance is not None:
            if value != self.instance.record_id:
                raise serializers.ValidationError("A record ID never changes: it is the document's permanent address.")
            return value
        if Document.objects.filter(record_id=value).exists():
            raise serializers.ValidationError("Another document has this record ID.", code="unique")
        if gone_record_ids([value]):
            raise serializers.ValidationError(gone_record_id_message(value))
        return value


class AliasWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonAlias
        fields = ["name", "kind"]


class PersonWriteSerializer(WriteSerializer):
    """A person or organisation, with every other name it is known by (``aliases`` replaces them all)."""

    aliases = AliasWriteSerializer(many=True, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "slug",
            "sort_name",
            "kind",
            "aliases",
            "birth_year",
            "death_year",
            "biography",
            "wikidata_id",
            "viaf_id",
        ]
        extra_kwargs = {"slug": {"required": False, "help_text": "Made from the name if left out."}}

    def validate_aliases(self, aliases):
        names = [alias["name"] for alias in aliases]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("An alias is named twice.")
        return aliases

    def validate(self, data):
        birth = data.get("birth_year", getattr(self.instance, "birth_year", None))
        death = data.get("death_year", getattr(self.instance, "death_year", None))
        if birth is not None and death is not None and death < birth:
            raise serializers.ValidationError({"death_year": ["The year of death cannot be before the year of birth."]})
        return data


class DonorWriteSerializer(WriteSerializer):
    website = serializers.URLField(source="url", required=False, allow_blank=True, validators=[validate_web_url])

    class Meta:
        model = Donor
        fields = ["name", "slug", "description", "acknowledgement", "website"]
        extra_kwargs = {"slug": {"required": False, "help_text": "Made from the name if left out."}}


class CollectionWriteSerializer(WriteSerializer):
    class Meta:
        model = Collection
        fields = ["name", "slug", "description"]
        extra_kwargs = {"slug": {"required": False, "help_text": "Made from the name if left out."}}


class RelationWriteSerializer(WriteSerializer):
    """A typed link from one document to another, both by record ID."""

    source = serializers.SlugRelatedField(slug_field="record_id", queryset=Document.objects.all())
    target = serializers.SlugRelatedField(slug_field="record_id", queryset=Document.objects.all())
    type = slugs(RelationType)

    class Meta:
        model = Relation
        fields = ["source", "type", "target", "note"]
        validators = []  # the database's constraints, as readable messages, are in validate()

    def validate(self, data):
        source = data.get("source", getattr(self.instance, "source", None))
        target = data.get("target", getattr(self.instance, "target", None))
        kind = data.get("type", getattr(self.instance, "type", None))
        if source == target:
            raise serializers.ValidationError({"target": ["A document cannot be related to itself."]})
        pair = Q(source=source, target=target) | Q(source=target, target=source)
        twins = Relation.objects.filter(pair, type=kind)
        if self.instance is not None:
            twins = twins.exclude(pk=self.instance.pk)
        if twins.exists():
            raise serializers.ValidationError(
                {"type": ["These two documents are already linked by a relation of this type."]}, code="unique"
            )
        return data


# -- the write side of a viewset ----------------------------------------------------------------------


class WritableMixin:
    """create, update, partial_update and destroy for a viewset of views.py.

    A subclass says how to read its body (write_serializer_class), how to find the record to change
    (``writable(key)``) and how to write (``write(record, data, base_version, base)``; base: the state
    the edit started from, history.states.State or None). Every answer to a write is the resource as a GET
    gives it (with its new ETag); a create is a 201 with Location."""

    permission_classes = [StaffWrites]
    write_serializer_class = None
    verb = {"create": "Added", "update": "Changed", "partial_update": "Changed"}

    def get_serializer_class(self):
        if self.action in WRITE_ACTIONS and self.write_serializer_class is not None:
            return self.write_serializer_class
        return super().get_serializer_class()

    def writable(self, key):
        found = self.get_serializer_class().Meta.model.objects.filter(**{self.lookup_field: key}).first()
        if found is None:
            raise Http404("Nothing at this address.")
        return found

    def read_body(self, instance=None, partial=False):
        serializer = self.write_serializer_class(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def comment(self, record, data):
        names = ", ".join(sorted(data)) or "nothing"
        return f"{self.verb.get(self.action, 'Changed')} through the API: {names}."

    # -- the actions --------------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        data = self.read_body()
        self.check_write(None, data)
        with recording(request.user):
            record = self.write(None, data, None, None)
            set_comment(f"Added through the API ({', '.join(sorted(data))}).")
        response = self.written(request, record, status.HTTP_201_CREATED)
        response["Location"] = response.data.get("api_url", "")
        return response

    def update(self, request, *args, partial=False, **kwargs):
        record = self.writable(kwargs[self.lookup_field])
        data = self.read_body(record, partial=partial)
        self.check_write(record, data)
        base_version = self.base_version(request, record)
        base = state_at(record, base_version)
        try:
            with recording(request.user, self.comment(record, data)):
                record = self.write(record, data, base_version, base)
        except StaleEdit as refused:
            raise stale(refused.outcome) from refused
        except VersionChanged as refused:
            raise PreconditionFailed(f"Not saved: {refused}") from refused
        return self.written(request, record, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        record = self.writable(kwargs[self.lookup_field])
        self.check_delete(record)
        try:
            with transaction.atomic():
                locked = type(record)._base_manager.select_for_update().get(pk=record.pk)
                self.check_current(request, locked)
                with deleting([locked], request.user):
                    locked.delete()
        except ProtectedError as refused:
            raise still_named(record, refused.protected_objects) from refused
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- the rules --------------------------------------------------------------------------------

    def check_write(self, record, data):
        """Rules beyond the model permissions (DocumentViewSet: the status)."""

    def check_delete(self, record):
        """Rules beyond the delete permission (DocumentViewSet: published documents)."""

    def base_version(self, request, record):
        """The version the If-Match names (428 without one); save_from decides whether it is stale."""
        return if_match_version(request, record)

    def check_current(self, request, record):
        """For a delete: a 412 unless If-Match names the record's current version."""
        base = self.base_version(request, record)
        if base != record.version:
            saves = record.version - base if base else None
            raise PreconditionFailed(
                f"Not deleted: {user_name(record.modified_by)} saved this {record._meta.verbose_name} "
                f"at version {record.version}"
                + (f", {saves} save{'s' if saves != 1 else ''} after yours" if saves and saves > 0 else "")
                + ". Read it again, then delete with its current ETag."
            )

    def written(self, request, record, status_code):
        """The resource as a GET now gives it, with the ETag a GET would send."""
        self.kwargs[self.lookup_field] = str(getattr(record, self.lookup_field))
        self.action = "retrieve"
        response = self.retrieve(request)
        response.status_code = status_code
        response["ETag"] = self.etag_of(request, response.data)
        return response

    # -- helpers for write() ------------------------------------------------------------------------

    @staticmethod
    def save_fields(record, data, base_version, user, base=None):
        """A new record saved with data, or an existing one changed by save_from from base_version,
        whose state (history.states.State) base is (StaleEdit if a field both changed)."""
        many = {name: value for name, value in data.items() if record._meta.get_field(name).many_to_many}
        simple = {name: value for name, value in data.items() if name not in many}
        if record.pk is None:
            for name, value in simple.items():
                setattr(record, name, value)
            if hasattr(record, "modified_by_id"):
                record.modified_by = user
            record.save()
            for name, value in many.items():
                getattr(record, name).set(value)
            return record, None
        outcome = save_from(record, base_version, data, user=user, base=fingerprints_of(base))
        return outcome.current, outcome


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
        if tags != etags.ANY and (False, current) not in tags:
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

"""What a write sends: each writable resource's body, with related records by slug (languages by
code, documents by record ID). A serializer only reads the body; the view writes it (writes.py),
with the history, locking and permissions."""

from django.db.models import Q
from rest_framework import serializers

from ...models import (
    Classification,
    Collection,
    Document,
    DocumentType,
    Donor,
    Language,
    Person,
    PersonAlias,
    Relation,
    RelationType,
)
from ...models.documents import gone_record_id_message, gone_record_ids
from ...validators import validate_web_url
from .fields import SelectableFieldsMixin


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

"""What each resource looks like. Every resource carries ``url`` (its page on the site) and
``api_url`` (itself in the API), both absolute; nested records are short and carry them too.

Nothing here reads the database beyond what the view's queryset prefetched: the viewsets load
each page in a fixed number of queries (tests/test_api_queries.py)."""

from django.utils.functional import cached_property
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
from .fields import (
    APIURLField,
    DocumentsAPIURLField,
    SelectableFieldsMixin,
    WebURLField,
    absolute,
    api_path,
    documents_api_path,
    web_list_path,
)

# -- short forms, nested in other resources --------------------------------------------------------


class PersonRefSerializer(serializers.ModelSerializer):
    url = WebURLField()
    api_url = APIURLField("person-detail", "slug")

    class Meta:
        model = Person
        fields = ["slug", "name", "kind", "url", "api_url"]


class TermRefSerializer(serializers.ModelSerializer):
    """A type or a classification."""

    def __init__(self, *args, parameter, view_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"] = WebURLField(path=lambda term: web_list_path(**{parameter: term.slug}))
        self.fields["api_url"] = APIURLField(view_name, "slug")

    class Meta:
        model = DocumentType
        fields = ["slug", "name"]


class LanguageRefSerializer(serializers.ModelSerializer):
    url = WebURLField(path=lambda language: web_list_path(language=language.code))
    api_url = APIURLField("language-detail", "code")

    class Meta:
        model = Language
        fields = ["code", "name", "url", "api_url"]


class DonorRefSerializer(serializers.ModelSerializer):
    url = WebURLField()
    api_url = APIURLField("donor-detail", "slug")

    class Meta:
        model = Donor
        fields = ["slug", "name", "acknowledgement", "url", "api_url"]


class CollectionRefSerializer(serializers.ModelSerializer):
    url = WebURLField()
    api_url = APIURLField("collection-detail", "slug")

    class Meta:
        model = Collection
        fields = ["slug", "name", "url", "api_url"]


class DocumentRefSerializer(serializers.ModelSerializer):
    """A document named inside another resource (a related document, a relation's end)."""

    date_display = serializers.CharField(source="display_date", read_only=True)
    url = WebURLField()
    api_url = APIURLField("document-detail", "record_id")

    class Meta:
        model = Document
        fields = ["record_id", "title", "date", "date_precision", "date_display", "summary", "url", "api_url"]


class ScanSerializer(serializers.Serializer):
    """A page of the original: its image files, served only while the document may be seen."""

    order = serializers.IntegerField()
    alt_text = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    thumbnail = serializers.SerializerMethodField()
    reading = serializers.SerializerMethodField()
    original = serializers.SerializerMethodField()

    def _url(self, file) -> str | None:
        return absolute(self.context, file.url) if file else None

    def get_thumbnail(self, scan) -> str | None:
        return self._url(scan.thumbnail)

    def get_reading(self, scan) -> str | None:
        return self._url(scan.reading or scan.image)

    def get_original(self, scan) -> str | None:
        return self._url(scan.image)


class RelatedDocumentSerializer(serializers.Serializer):
    """A related document, with the relation's wording from the side of the document shown."""

    wording = serializers.CharField()
    relation_type = serializers.CharField(source="relation.type.slug")
    note = serializers.CharField(source="relation.note")
    relation_api_url = serializers.SerializerMethodField()
    document = DocumentRefSerializer()

    def get_relation_api_url(self, related) -> str:
        return absolute(self.context, api_path("relation-detail", pk=related.relation.pk))


# -- documents -------------------------------------------------------------------------------------


class DocumentListSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    """A document in a list: what its card on the site shows."""

    date_display = serializers.CharField(source="display_date", read_only=True)
    type = TermRefSerializer(source="doc_type", parameter="type", view_name="documenttype-detail", allow_null=True)
    languages = LanguageRefSerializer(many=True)
    authors = PersonRefSerializer(many=True)
    url = WebURLField()
    api_url = APIURLField("document-detail", "record_id")

    class Meta:
        model = Document
        fields = [
            "record_id",
            "title",
            "date",
            "date_precision",
            "date_circa",
            "date_display",
            "type",
            "languages",
            "authors",
            "summary",
            "url",
            "api_url",
        ]


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


class DocumentDetailSerializer(DocumentListSerializer):
    """Everything the document page shows (docs/data-model.md), field by field."""

    alternative_titles = serializers.SerializerMethodField()
    classification = TermRefSerializer(parameter="classification", view_name="classification-detail", allow_null=True)
    recipients = PersonRefSerializer(many=True)
    participants = PersonRefSerializer(many=True)
    people_mentioned = PersonRefSerializer(many=True)
    donors = DonorRefSerializer(many=True)
    collections = CollectionRefSerializer(many=True)
    archives = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    subjects = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    places = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    related_documents = serializers.SerializerMethodField()
    scans = ScanSerializer(many=True)
    original_pdf = serializers.SerializerMethodField()

    class Meta(DocumentListSerializer.Meta):
        fields = [
            "record_id",
            "title",
            "slug",
            "alternative_titles",
            "date",
            "date_end",
            "date_precision",
            "date_circa",
            "date_display",
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
            "places",
            "subjects",
            "collections",
            "related_documents",
            "scans",
            "source",
            "archives",
            "rights",
            "original_uploaded_date",
            "original_pdf",
            "donors",
            "status",
            "first_published_at",
            "modified_at",
            "version",
            "url",
            "api_url",
        ]

    def get_alternative_titles(self, document) -> list[str]:
        return _lines(document.alternative_titles)

    def get_original_pdf(self, document) -> str | None:
        return absolute(self.context, document.original_pdf.url) if document.original_pdf else None

    def get_related_documents(self, document) -> list[dict]:
        # Set by the view (one document) or the export (a chunk at once); see views.related_of.
        return self._related_serializer.to_representation(document.api_related)

    @cached_property
    def _related_serializer(self):
        # Built once per serializer, not per document: a list or an export serializes many.
        return RelatedDocumentSerializer(many=True, context=self.context)


# -- people, donors, collections -------------------------------------------------------------------


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonAlias
        fields = ["name", "kind"]


class PersonSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    aliases = AliasSerializer(many=True, read_only=True)
    life_dates = serializers.CharField(read_only=True)
    document_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="Published documents.")
    documents_api_url = DocumentsAPIURLField("person")
    url = WebURLField()
    api_url = APIURLField("person-detail", "slug")

    class Meta:
        model = Person
        fields = [
            "slug",
            "name",
            "sort_name",
            "kind",
            "aliases",
            "birth_year",
            "death_year",
            "life_dates",
            "biography",
            "wikidata_id",
            "wikidata_url",
            "viaf_id",
            "viaf_url",
            "document_count",
            "documents_api_url",
            "url",
            "api_url",
        ]


class RoleCountSerializer(serializers.Serializer):
    role = serializers.CharField()
    count = serializers.IntegerField()
    documents_api_url = serializers.URLField()


class PersonDetailSerializer(PersonSerializer):
    """A person, with their documents counted by role and linked as filtered lists."""

    roles = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "roles"]

    def get_roles(self, person) -> list[dict]:
        counts = getattr(person, "api_role_counts", {})
        rows = [
            {
                "role": role,
                "count": counts[role],
                "documents_api_url": absolute(self.context, documents_api_path(**{role: person.slug})),
            }
            for role in ("author", "recipient", "participant", "mentioned")
            if counts.get(role)
        ]
        return RoleCountSerializer(rows, many=True).data


class DonorSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    website = serializers.URLField(source="url", read_only=True, allow_blank=True)
    logo = serializers.SerializerMethodField()
    document_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="Published documents.")
    documents_api_url = DocumentsAPIURLField("donor")
    url = WebURLField()
    api_url = APIURLField("donor-detail", "slug")

    class Meta:
        model = Donor
        fields = [
            "slug",
            "name",
            "description",
            "acknowledgement",
            "website",
            "logo",
            "document_count",
            "documents_api_url",
            "url",
            "api_url",
        ]

    def get_logo(self, donor) -> str | None:
        return absolute(self.context, donor.logo.url) if donor.logo else None


class CollectionSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    document_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="Published documents.")
    documents_api_url = DocumentsAPIURLField("collection")
    url = WebURLField()
    api_url = APIURLField("collection-detail", "slug")

    class Meta:
        model = Collection
        fields = ["slug", "name", "description", "image", "document_count", "documents_api_url", "url", "api_url"]

    def get_image(self, collection) -> str | None:
        return absolute(self.context, collection.image.url) if collection.image else None


# -- vocabularies and relations --------------------------------------------------------------------


def term_serializer(model, parameter, view_name, lookup="slug"):
    """A controlled list's term: its documents as a filtered list, on the site and in the API."""
    key_fields = ["code", "name"] if lookup == "code" else ["slug", "name"]

    class TermSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
        document_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="Published documents.")
        documents_api_url = DocumentsAPIURLField(parameter, lookup)
        url = WebURLField(path=lambda term: web_list_path(**{parameter: getattr(term, lookup)}))
        api_url = APIURLField(view_name, lookup)

        class Meta:
            fields = [*key_fields, "document_count", "documents_api_url", "url", "api_url"]

    TermSerializer.Meta.model = model
    TermSerializer.__name__ = TermSerializer.__qualname__ = f"{model.__name__}Serializer"
    return TermSerializer


DocumentTypeSerializer = term_serializer(DocumentType, "type", "documenttype-detail")
ClassificationSerializer = term_serializer(Classification, "classification", "classification-detail")
LanguageSerializer = term_serializer(Language, "language", "language-detail", lookup="code")


class RelationTypeSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    is_symmetric = serializers.BooleanField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Relation types have no page of their own: null.")
    api_url = APIURLField("relationtype-detail", "slug")

    class Meta:
        model = RelationType
        fields = ["slug", "name", "inverse_name", "is_symmetric", "url", "api_url"]

    def get_url(self, relation_type) -> str | None:
        return None


class RelationTypeRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RelationType
        fields = ["slug", "name", "inverse_name"]


class RelationSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    """A typed link from one document (source) to another (target): "reply to" read from the source,
    the type's inverse wording ("replied to by") from the target."""

    source = DocumentRefSerializer()
    target = DocumentRefSerializer()
    type = RelationTypeRefSerializer()
    url = WebURLField(path=lambda relation: relation.source.get_absolute_url())
    api_url = APIURLField("relation-detail", "pk")

    class Meta:
        model = Relation
        fields = ["id", "source", "type", "target", "note", "url", "api_url"]

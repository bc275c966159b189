"""Metadata formats: ``oai_dc`` from the one crosswalk (documents/crosswalk.py), and ``archive``, the
whole record as the document page shows it (people by role, dates with their precision, relations
with their wording, collections, donors, scans), described by schemas/archive-1.0.xsd.

Each format reads what it needs for a whole page in one query (``prepare``), so a page of records
costs the same number of queries whatever its size."""

from django.apps import apps
from django.db.models import Prefetch
from django.urls import reverse

from ..crosswalk import canonical_url, dublin_core, iso_date, related_documents
from ..models import Relation
from .protocol import datestamp

XSI = "http://www.w3.org/2001/XMLSchema-instance"


class OaiDc:
    """Simple Dublin Core, exactly what dublin_core() says."""

    prefix = "oai_dc"
    namespace = "http://www.openarchives.org/OAI/2.0/oai_dc/"
    schema = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    dc = "http://purl.org/dc/elements/1.1/"

    def schema_url(self, request):
        return self.schema

    def bundle(self, documents):
        """Only what dublin_core() reads: harvests read thousands of documents, and every column and
        row instance counts (the texts, donors and scans are left out)."""
        names = ["name", "slug"]
        person_links = apps.get_model("documents", "DocumentPerson").objects.select_related("person")
        return (
            documents.defer("text", "transcript", "date_note", "alternative_titles")
            .select_related("doc_type")
            .prefetch_related(
                "languages",
                *(
                    Prefetch(name, queryset=apps.get_model("documents", model).objects.only(*names))
                    for name, model in [
                        ("collections", "Collection"),
                        ("subjects", "Subject"),
                        ("places", "Place"),
                        ("archives", "Archive"),
                    ]
                ),
                Prefetch("person_links", queryset=person_links.only("document_id", "role", "person__name")),
            )
        )

    def prepare(self, documents):
        return related_documents(documents)

    def write(self, w, document, base_url, related):
        attrs = {
            "xmlns:oai_dc": self.namespace,
            "xmlns:dc": self.dc,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{self.namespace} {self.schema}",
        }
        with w.element("oai_dc:dc", attrs):
            for element, values in dublin_core(document, base_url, related=related.get(document.pk, [])).items():
                for value in values:
                    w.text(f"dc:{element}", value)


def relations_by_document(documents):
    """{document id: [(wording, type slug, other Document)]}: published documents only, both directions,
    each worded from this side, in date order (as the document page lists them), in one query."""
    found = Relation.objects.related_to(documents)
    return {
        pk: [(item.wording, item.relation.type.slug, item.document) for item in related]
        for pk, related in found.items()
    }


class Archive:
    """The archive's own format: the full record (schemas/archive-1.0.xsd)."""

    prefix = "archive"
    namespace = "urn:x-digital-archive:oai:archive:1.0"
    schema_file = "archive-1.0.xsd"

    def schema_url(self, request):
        return request.build_absolute_uri(reverse("oai:schema", kwargs={"name": self.schema_file}))

    def bundle(self, documents):
        return documents.for_detail()

    def prepare(self, documents):
        return relations_by_document(documents)

    def write(self, w, document, base_url, relations):
        def url(path):
            return base_url.rstrip("/") + path

        def term(name, value, **attrs):
            if value:
                w.text(f"archive:{name}", value, attrs)

        attrs = {"xmlns:archive": self.namespace, "xmlns:xsi": XSI}
        attrs["xsi:schemaLocation"] = f"{self.namespace} {url(reverse('oai:schema', args=[self.schema_file]))}"
        with w.element("archive:document", attrs):
            term("recordId", str(document.record_id))
            term("url", canonical_url(document, base_url))
            term("title", document.title)
            for title in document.alternative_titles.splitlines():
                term("alternativeTitle", title.strip())
            if document.date:
                term(
                    "date",
                    iso_date(document),
                    precision=document.date_precision,
                    circa="true" if document.date_circa else "false",
                    end=document.date_end and document.date_end.isoformat(),
                    display=document.display_date,
                )
            term("dateNote", document.date_note)
            if document.doc_type:
                term("type", document.doc_type.name, slug=document.doc_type.slug)
            if document.classification:
                term("classification", document.classification.name, slug=document.classification.slug)
            for language in document.languages.all():
                term("language", language.name, code=language.code)
            for link in document.person_links.all():
                person = link.person
                term(
                    "person",
                    person.name,
                    role=link.role,
                    sortName=person.sort_name or None,
                    url=url(person.get_absolute_url()),
                    wikidata=person.wikidata_id or None,
                    viaf=person.viaf_id or None,
                )
            term("summary", document.summary)
            for subject in document.subjects.all():
                term("subject", subject.name, slug=subject.slug)
            for place in document.places.all():
                term("place", place.name, slug=place.slug)
            for collection in document.collections.all():
                term("collection", collection.name, slug=collection.slug, url=url(collection.get_absolute_url()))
            for donor in document.donors.all():
                term(
                    "donor",
                    donor.name,
                    slug=donor.slug,
                    url=url(donor.get_absolute_url()),
                    acknowledgement=donor.acknowledgement or None,
                )
            term("source", document.source)
            for archive in document.archives.all():
                term("originalArchive", archive.name, slug=archive.slug)
            term("rights", document.rights)
            if document.original_uploaded_date:
                term("originalUploadedDate", document.original_uploaded_date.isoformat())
            for wording, slug, other in relations.get(document.pk, []):
                term(
                    "relation",
                    other.title,
                    wording=wording,
                    type=slug,
                    recordId=str(other.record_id),
                    url=canonical_url(other, base_url),
                )
            scans = len(document.scans.all())
            if scans:
                manifest = url(reverse("iiif:manifest", kwargs={"record_id": document.record_id}))
                w.text("archive:scans", None, {"count": str(scans), "manifest": manifest})
            term("text", document.text)
            term("transcript", document.transcript)
            if document.first_published_at:
                term("firstPublished", datestamp(document.first_published_at))
            term("modified", datestamp(document.modified_at))


FORMATS = {fmt.prefix: fmt for fmt in (OaiDc(), Archive())}

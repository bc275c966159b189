"""The one crosswalk from a document to Dublin Core.

OAI-PMH (oai_dc), the document page's embedded metadata and the citation exports all read a
document's description from ``dublin_core()``, so they cannot disagree (docs/metadata.md)."""

from django.conf import settings

from .dates import DatePrecision
from .models import Relation
from .text import reveal_hidden_email

# The fifteen elements of Simple Dublin Core, in the order oai_dc lists them.
ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)

# The DCMI Type of every document: all are texts, whatever their archival type.
DCMI_TYPE = "Text"


def iso_date(document):
    """The document's date in W3C-DTF at its precision ("1949-02-04", "1949-02" or "1949"); "" if undated."""
    if document.date is None:
        return ""
    width = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7}.get(document.date_precision, 10)
    return document.date.isoformat()[:width]


def canonical_url(document, base_url):
    """The document page's permanent address. ``base_url`` is the site's scheme and host, e.g.
    ``request.build_absolute_uri("/")`` with or without its final slash."""
    return base_url.rstrip("/") + document.get_absolute_url()


def related_documents(documents):
    """The published documents related to each document, both directions, in one query:
    {document id: [related Document, ...]}, in the order the document page lists them
    (Relation.objects.related_to). For harvests of many records; one document's page uses
    ``Document.related_documents()``."""
    found = Relation.objects.related_to(documents)
    # Two relations of different types between the same documents name the other document once.
    return {pk: list(dict.fromkeys(item.document for item in related)) for pk, related in found.items() if related}


def dublin_core(document, base_url, related=None):
    """The document as Simple Dublin Core: {element: [value, ...]}, in ``ELEMENTS`` order, with empty
    elements left out.

    ``document`` should come from ``Document.objects.for_detail()`` (its people, terms and groups
    prefetched). ``related`` is the list of published related documents; None reads them."""
    if related is None:
        related = list(dict.fromkeys(item.document for item in document.related_documents()))
    people_mentioned = [person.name for person in document.people_mentioned]
    values = {
        "title": [document.title],
        "creator": [person.name for person in document.authors],
        "subject": (
            people_mentioned
            + [subject.name for subject in document.subjects.all()]
            + [collection.name for collection in document.collections.all()]
        ),
        "description": [document.summary],
        "publisher": [settings.ARCHIVE_NAME],
        "date": [iso_date(document)],
        "type": [DCMI_TYPE] + ([document.doc_type.name] if document.doc_type else []),
        "format": ["text/html"],
        "identifier": [canonical_url(document, base_url)],
        "source": [document.source] + [archive.name for archive in document.archives.all()],
        "language": [language.code for language in document.languages.all()],
        "relation": [canonical_url(other, base_url) for other in related],
        "coverage": [place.name for place in document.places.all()],
        "rights": [reveal_hidden_email(document.rights, settings.ARCHIVE_CONTACT_EMAIL)],
    }
    result = {}
    for element in ELEMENTS:
        kept = [value.strip() for value in values.get(element, []) if value and value.strip()]
        if kept:
            result[element] = kept
    return result

"""The citation metadata of a document page's head: Highwire ``citation_*`` tags and schema.org JSON-LD,
made from the citation record (record.py)."""

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..iiif.manifests import rights_uri
from .record import CSL_TYPE


def highwire_date(record):
    """ "1949/02/04", "1949/02" or "1949": the form Google Scholar documents and Zotero reads."""
    return record.date.replace("-", "/")


def meta_tags(record):
    """[(name, content), ...] for the head's ``<meta name content>``: Highwire ``citation_*`` tags, which
    Zotero and Google Scholar read, and a ``DC.type`` naming Zotero's item type: with Highwire tags
    alone Zotero's Embedded Metadata guesses a journal article (docs/citations.md)."""
    tags = [("citation_title", record.title)]
    tags += [("citation_author", name.inverted) for name in record.creators]
    if record.date:
        tags += [("citation_publication_date", highwire_date(record)), ("citation_date", highwire_date(record))]
    tags += [("citation_publisher", record.publisher)]
    tags += [("citation_language", language) for language in record.languages]
    tags += [("citation_keywords", "; ".join(record.subjects))] if record.subjects else []
    tags += [("citation_abstract", record.description)] if record.description else []
    tags += [("citation_public_url", record.url), ("citation_abstract_html_url", record.url)]
    tags += [("citation_pdf_url", record.pdf_url)] if record.pdf_url else []
    return [*tags, ("DC.type", CSL_TYPE)]


def _agents(names, person_type="Person"):
    return [{"@type": "Organization" if name.organisation else person_type, "name": name.literal} for name in names]


def json_ld(record):
    """The document as a schema.org ``ArchiveComponent``: plain data, for ``json_ld_script()``."""
    mentioned = set(record.mentioned)
    data = {
        "@context": "https://schema.org",
        "@type": "ArchiveComponent",
        "@id": record.url,
        "url": record.url,
        "identifier": [
            record.url,
            {"@type": "PropertyValue", "propertyID": "record ID", "value": str(record.record_id)},
        ],
        "name": record.title,
        "version": record.version,
        "dateModified": record.version_date.isoformat() if record.version_date else None,
        "dateCreated": record.date,
        "author": _agents(record.creators),
        "translator": [{"@type": "Person", "name": name} for name in record.translators],
        "description": record.description,
        "genre": record.genre,
        "about": [
            {"@type": "Person" if subject in mentioned else "Thing", "name": subject} for subject in record.subjects
        ],
        "spatialCoverage": [{"@type": "Place", "name": place} for place in record.places],
        "inLanguage": list(record.languages),
        "isPartOf": [{"@type": "Collection", "name": name, "url": url} for name, url in record.collections],
        "holdingArchive": [{"@type": "ArchiveOrganization", "name": archive} for archive in record.archives],
        "publisher": {"@type": "Organization", "name": record.publisher},
        "copyrightNotice": record.rights,
        "license": rights_uri(record.rights) or "",
        "associatedMedia": (
            [{"@type": "MediaObject", "contentUrl": record.pdf_url, "encodingFormat": "application/pdf"}]
            if record.pdf_url
            else []
        ),
    }
    return {key: value for key, value in data.items() if value}


# Inside <script>, "</script>" or "<!--" in a string would end or confuse the element: JSON allows
# these characters as \u escapes, which HTML never reads as markup (as Django's json_script does).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(record):
    """The JSON-LD block, safe to put in a page whatever the document's text."""
    text = json.dumps(json_ld(record), ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))

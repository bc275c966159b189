"""The document page's citation: its "Cite this document" section and the metadata of its head."""

from django import template

from ..citations.formats import chicago, chicago_html
from ..citations.head import json_ld_script, meta_tags
from ..citations.record import citation_record
from ..web import pdf

register = template.Library()


def _record(context):
    """Read from the page's own document and related documents, so the head costs no query."""
    request, document = context["request"], context["document"]
    # The crosswalk's relations are published documents only, even when staff preview a draft.
    related = [item.document for item in context.get("related_documents", []) if item.document.is_published]
    # On a version's page the citation is of that version, at its own URL.
    return citation_record(document, request.build_absolute_uri("/"), related=related, version=context.get("version"))


@register.inclusion_tag("includes/cite_head.html", takes_context=True)
def citation_head(context):
    record = _record(context)
    return {"tags": meta_tags(record), "json_ld": json_ld_script(record)}


@register.inclusion_tag("includes/cite_section.html", takes_context=True)
def citation_section(context):
    record = _record(context)
    return {
        "record": record,
        "version": record.version,
        "text": chicago(record),
        "html": chicago_html(record),
        "pdf": not pdf.UNAVAILABLE,
        "downloads": [(f"citation_{name}", label, media_type) for name, label, media_type in CITATION_DOWNLOADS],
    }


CITATION_DOWNLOADS = [
    ("bibtex", "BibTeX", "application/x-bibtex"),
    ("ris", "RIS", "application/x-research-info-systems"),
    ("csl", "CSL-JSON", "application/vnd.citationstyles.csl+json"),
]

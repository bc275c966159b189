"""Showing text that curators and importers wrote: markup cleaned to the allow-list of
documents/sanitize.py, plain lines kept as lines. Load with {% load archive_html %}."""

from django import template
from django.conf import settings
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines

from .. import sanitize
from ..search import mentions
from ..text import reveal_hidden_email

register = template.Library()


@register.filter(is_safe=True)
def rich_text(value):
    """Cleaned text for a block that keeps the text's own line layout (white-space: pre-wrap): the
    document's text and transcript."""
    cleaned = sanitize.clean_html(value)
    return mark_safe(sanitize.tighten_blocks(cleaned) if sanitize.has_blocks(cleaned) else cleaned)


@register.filter(is_safe=True)
def rich_paragraphs(value):
    """Cleaned text as paragraphs: blank lines part paragraphs and a newline is a line break (as
    Django's linebreaks filter), unless the text is written with paragraphs or lists of its own."""
    cleaned = sanitize.clean_html(value)
    if sanitize.has_blocks(cleaned):
        return mark_safe(sanitize.tighten_blocks(cleaned))
    # Already escaped by the cleaner: linebreaks must not escape it again.
    return mark_safe(linebreaks(cleaned, autoescape=False))


@register.filter(is_safe=True)
def rights_text(value):
    """A rights statement as paragraphs (rich_paragraphs), an address the scraped page hid
    (text.HIDDEN_EMAIL) a link to the archive's contact address (ARCHIVE_CONTACT_EMAIL)."""
    address = settings.ARCHIVE_CONTACT_EMAIL
    link = format_html('<a href="mailto:{}">{}</a>', address, address)
    return mark_safe(reveal_hidden_email(rich_paragraphs(value), link))


@register.filter(is_safe=True)
def rich_lines(value):
    """Cleaned inline text with each newline a line break (as Django's linebreaksbr): for a value
    shown inside a paragraph or a definition list (source, summary, a note on the date)."""
    cleaned = sanitize.clean_html(value, inline=True)
    return mark_safe(normalize_newlines(cleaned).replace("\n", "<br>"))


@register.simple_tag
def people_in_text(document):
    """The document's people as its text may name them: {% people_in_text document as people %}, then
    {{ document.text|rich_text|link_people:people }} and, once after the texts, the cards of those named
    (includes/person_cards.html)."""
    return mentions.for_document(document)


@register.filter(is_safe=True)
def link_people(value, people):
    """Cleaned HTML (one of the rich_* filters) with the names of the document's people linked to them."""
    return mark_safe(people.link(value))


@register.filter(is_safe=True)
def thousands(value):
    """1234567 → "1,234,567": humanize's intcomma for the counts of a page that shows hundreds of them
    (intcomma goes through the locale machinery each time, the site has one locale)."""
    return f"{value:,}" if isinstance(value, int) else value


@register.filter
def plain_text(value):
    """The text with its markup removed, for places that take no markup (meta descriptions). The
    result is escaped by the template like any other value."""
    return sanitize.plain_text(value)


@register.filter
def web_url(value):
    """The address if it is an http or https URL, else "" (a link from curator input never runs
    script: javascript:, data: and the like are dropped even if they reached the database)."""
    return value if sanitize.is_web_url(value) else ""

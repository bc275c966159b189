"""Reading pages as a reader sees them: visible text, links."""

import html
import re

import pypdfium2

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
# A name the document page links inside the text (documents/search/mentions.py): it holds text only.
PERSON_MENTION = re.compile(r'<a class="person-mention"[^>]*>([^<]*)</a>')


def without_person_links(content):
    """The page's HTML with the names linked inside its text back to the text they were: a reader
    sees no break there, and the text must otherwise reach the page exactly as written."""
    return PERSON_MENTION.sub(r"\1", content)


def visible_text(response):
    """The page's text without markup, entities decoded, whitespace collapsed."""
    body = SCRIPT_OR_STYLE.sub(" ", without_person_links(response.content.decode()))
    return re.sub(r"\s+", " ", html.unescape(TAG.sub(" ", body))).strip()


def normalise(text):
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def links(response):
    return re.findall(r'href="([^"#]*)', response.content.decode())


def assert_in_order(text, expected):
    """Every expected string appears in text, each after the one before."""
    position = 0
    for item in expected:
        found = text.find(normalise(item), position)
        assert found >= 0, f"{item!r} is missing after position {position}: …{text[position : position + 200]}…"
        position = found + len(normalise(item))


def main_text(response):
    """The visible text of the page's <main> landmark only (no header, navigation or footer)."""
    body = response.content.decode()
    start, end = body.index("<main"), body.index("</main>")

    class Part:
        content = body[start:end].encode()

    return visible_text(Part)


def pdf_text(data):
    """A PDF's text as a reader copies it from Chromium's PDF viewer: read by PDFium (pypdfium2), Chrome's own
    PDF engine, page by page."""
    document = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def fact_items(response, fact_id):
    """The names listed for one fact of the document page's compact header (authors, recipients)."""
    match = re.search(rf'<div id="{fact_id}">(.*?)</div>', response.content.decode(), re.S)
    assert match, f"no fact #{fact_id} in the header"
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]

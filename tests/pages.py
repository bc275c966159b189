"""Reading pages as a reader sees them: visible text, links."""

import html
import re

SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def visible_text(response):
    """The page's text without markup, entities decoded, whitespace collapsed."""
    body = SCRIPT_OR_STYLE.sub(" ", response.content.decode())
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


def fact_items(response, fact_id):
    """The names listed for one fact of the document page's compact header (authors, recipients)."""
    match = re.search(rf'<div id="{fact_id}">(.*?)</div>', response.content.decode(), re.S)
    assert match, f"no fact #{fact_id} in the header"
    items = re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]

"""What HTML a curator's or an importer's text may carry when a page shows it: one allow-list, here.

The stored text stays as it was entered (the API, exports, OAI-PMH and citations give it back
unchanged, as data); pages clean it each time they show it, so a tightened allow-list protects old
records too. Anything not on the list goes: a disallowed tag is dropped and its text kept,
except script and style, which go with their content; attributes other than a link's href go;
links keep only http, https and mailto addresses and get rel="noopener nofollow".
See docs/security.md."""

import html
import re
from urllib.parse import urlsplit

import nh3
from django.utils.html import escape

# Inline markup: allowed everywhere rich text is shown, also inside a paragraph (a summary).
INLINE_TAGS = frozenset({"a", "b", "br", "em", "i", "strong", "sub", "sup"})
# Blocks: allowed where a whole text is shown (the document's text, a biography, a description).
BLOCK_TAGS = frozenset({"p", "ul", "ol", "li", "blockquote", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td"})
ALLOWED_TAGS = INLINE_TAGS | BLOCK_TAGS
ATTRIBUTES = {"a": {"href"}, "th": {"scope"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"
# Removed with everything inside them; every other disallowed tag keeps its text.
CLEAN_CONTENT_TAGS = frozenset({"script", "style"})

# What an HTML parser reads as the start of a tag or comment; any other "<" is text ("a < b").
TAG_START = re.compile(r"<[a-zA-Z/!?]")
BLOCK_NAMES = "|".join(sorted(BLOCK_TAGS))
BLOCK_TAG = re.compile(rf"</?(?:{BLOCK_NAMES})\b", re.IGNORECASE)
# Whitespace beside a block tag: the text is shown with its line breaks kept (white-space: pre-wrap),
# where the newlines between <p>s of a text written as HTML would add blank lines.
SPACE_AROUND_BLOCK = re.compile(rf"\s*(</?(?:{BLOCK_NAMES})\b[^>]*>)\s*", re.IGNORECASE)


def clean_html(text, *, inline=False):
    """The text with only allow-listed markup left, as HTML that is safe to put in a page."""
    if not text:
        return ""
    text = str(text)
    if not TAG_START.search(text):
        # No tag, so plain text: escaped as any template value is, and shown character for character
        # (an entity reference typed as text stays as typed).
        return str(escape(text))
    return nh3.clean(
        text,
        tags=set(INLINE_TAGS if inline else ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        # Relative links would point into this site: a curator links to another site or nowhere.
        url_relative="deny",
        strip_comments=True,
    )


def has_blocks(cleaned):
    """Whether cleaned HTML was written with block markup (paragraphs, lists), not as plain lines."""
    return bool(BLOCK_TAG.search(cleaned))


def tighten_blocks(cleaned):
    """Cleaned HTML without the whitespace around its block tags."""
    return SPACE_AROUND_BLOCK.sub(r"\1", cleaned).strip()


def plain_text(text):
    """The text without any markup (for meta descriptions, titles and other plain-text places)."""
    if not text:
        return ""
    return html.unescape(nh3.clean(str(text), tags=set(), clean_content_tags=set(CLEAN_CONTENT_TAGS)))


WEB_SCHEMES = ("http", "https")


def is_web_url(value):
    """Whether value is an absolute http or https address (the only links a record may carry)."""
    try:
        parts = urlsplit(str(value or "").strip())
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)

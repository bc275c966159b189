"""A document as PDF: its page, printed on the server by WeasyPrint with the site's print stylesheet,
so that the PDF and a reader's own print of the page are made from one template and one stylesheet.

WeasyPrint reads nothing but the page and the site's own static files: any other address the page
names (an image in a curator's HTML, a link to another host) is refused, so that a PDF never makes the
server fetch from the network or read a file outside the static files."""

import logging
import mimetypes
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Warning, register
from PIL import ImageFile

# fontTools logs every glyph subset at INFO, and WeasyPrint every screen-only CSS rule it skips: lines per PDF;
# and WeasyPrint's progress, from its import on.
logging.getLogger("fontTools").setLevel(logging.WARNING)
logging.getLogger("weasyprint").setLevel(logging.ERROR)
_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES
try:
    import weasyprint
    import weasyprint.urls
except OSError as error:  # WeasyPrint loads Pango when it is imported: without it, no PDFs, but the site runs.
    weasyprint = None
    UNAVAILABLE = f"PDFs cannot be made: WeasyPrint needs Pango ({error}); docs/deployment.md says what to install."
else:
    UNAVAILABLE = ""
finally:
    # WeasyPrint's import lets Pillow load truncated images in the whole process: scan uploads then
    # accepted broken files (documents/scans). A PDF reads only the site's own images, whole.
    ImageFile.LOAD_TRUNCATED_IMAGES = _TRUNCATED_IMAGES


# WeasyPrint's time grows with the page (a 1 MB transcript took over 30 s, past gunicorn's timeout, so
# no PDF was ever made) and it recurses per nested element (a few hundred nested blockquotes: a 500).
# The archive's longest real records are under 50,000 characters; a page beyond these is refused
# at once with the reason, and the reader prints the page from the browser instead.
MAX_PAGE_CHARS = 300_000
MAX_DEPTH = 60


class TooLarge(ValueError):
    """The page is too long or too deeply nested to be made into a PDF on the server; says which."""


def render_pdf(html, base_url):
    """The PDF of a rendered page. base_url is the page's scheme and host ("https://archive.example/"),
    which the page's own static addresses start with."""
    refuse_too_large(html)
    fetcher = StaticFilesOnly(base_url)
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def refuse_too_large(html):
    """Raises TooLarge when WeasyPrint could not print the page within a request."""
    advice = "print the page from your browser instead."
    if len(html) > MAX_PAGE_CHARS:
        raise TooLarge(f"This document is too long to be made into a PDF on the server: {advice}")
    depth = _Depth()
    depth.feed(html)
    if depth.deepest > MAX_DEPTH:
        raise TooLarge(f"This document's text is nested too deeply to be made into a PDF on the server: {advice}")


class _Depth(HTMLParser):
    """How deeply the page's elements nest (the page and cleaned HTML close every element they open)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self):
        super().__init__()
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.depth = max(self.depth - 1, 0)


class StaticFilesOnly(weasyprint.urls.URLFetcher if weasyprint else object):
    """Answers the site's static files from disk (the collected files, or the apps' own in development)
    and refuses every other address."""

    def __init__(self, base_url):
        super().__init__()
        self.prefix = base_url.rstrip("/") + "/" + settings.STATIC_URL.lstrip("/")

    def fetch(self, url, headers=None):
        name = url.removeprefix(self.prefix).split("?")[0].split("#")[0] if url.startswith(self.prefix) else None
        path = name and _static_path(name)
        if path is None:
            raise ValueError(f"Only the site's static files are read into a PDF: {url} is not one.")
        return weasyprint.urls.URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mimetypes.guess_type(path.name)[0] or ""}
        )


def _static_path(name):
    """The file a static name is served from, or None; never a path outside the static files."""
    if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
        return None
    if settings.STATIC_FROM_APPS:
        found = finders.find(name)
        return Path(found) if found else None
    path = Path(staticfiles_storage.path(name))
    return path if path.is_file() else None


@register()
def pdfs_can_be_made(app_configs, **kwargs):
    """Without Pango the site runs, but "Download PDF" cannot: say so where the operator looks first."""
    if not UNAVAILABLE:
        return []
    return [Warning(UNAVAILABLE, hint="Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0", id="documents.W003")]

"""A document as PDF: its page, printed on the server by WeasyPrint with the site's print stylesheet,
so that the PDF and a reader's own print of the page are made from one template and one stylesheet.

WeasyPrint reads nothing but the page and the site's own static files: any other address the page
names (an image in a curator's HTML, a link to another host) is refused, so that a PDF never makes the
server fetch from the network or read a file outside the static files."""

import logging
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
try:
    import weasyprint
    import weasyprint.urls
except OSError as error:  # WeasyPrint loads Pango when it is imported: without it, no PDFs, but the site runs.
    weasyprint = None
    UNAVAILABLE = f"PDFs cannot be made: WeasyPrint needs Pango ({error}); docs/deployment.md says what to install."
else:
    UNAVAILABLE = ""
    # WeasyPrint tells Pillow, for the whole process, to accept truncated images: a truncated scan upload
    # would then pass as whole (documents/files/images.py refuses it). A PDF reads no image that needs it.
    ImageFile.LOAD_TRUNCATED_IMAGES = False


MEDIA_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2"}


def render_pdf(html, base_url):
    """The PDF of a rendered page. base_url is the page's scheme and host ("https://archive.example/"),
    which the page's own static addresses start with."""
    fetcher = StaticFilesOnly(base_url)
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


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
            url, path.read_bytes(), {"Content-Type": MEDIA_TYPES.get(path.suffix, "")}
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

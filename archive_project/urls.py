from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from documents.web.media import media_file, scan_file
from documents.web.sitemaps import SITEMAPS, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("documents.api.urls")),
    # Every uploaded file, in every mode (debug or not): checked against what it belongs to and
    # served as its content's format (documents/web/media.py). Scans first: their own storage.
    path("media/scans/<path:name>", scan_file, name="scan_file"),
    path("media/<path:name>", media_file, name="media_file"),
    path("iiif/", include("documents.iiif.urls")),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("oai/", include("documents.oai.urls")),
    path("", include("documents.web.urls")),
]

# A database outage answers 503 with Retry-After (documents/ops/unavailable.py); anything else the 500 page.
handler500 = "documents.ops.unavailable.server_error"

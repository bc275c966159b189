from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from documents.media_views import scan_file

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("documents.api.urls")),
    # Before the media files that DEBUG serves: scans are checked against their document's status.
    path("media/scans/<path:name>", scan_file, name="scan_file"),
    path("", include("documents.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

"""Scans in an S3-compatible bucket (DJANGO_MEDIA_STORAGE=s3): private objects, served by the app.

Imported only when settings name it in STORAGES["scans"], so django-storages and boto3 are needed
only by a deployment that stores its media in S3."""

from django.urls import reverse
from storages.backends.s3 import S3Storage


class S3ScanStorage(S3Storage):
    """Like ``documents.files.storage.ScanStorage``, a scan's URL leads to ``media_views.scan_file``, which
    checks that the reader may see the document before it streams the object from the bucket: the
    bucket itself is never public, and no signed URL is handed out that would outlive unpublishing."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return reverse("scan_file", kwargs={"name": name})

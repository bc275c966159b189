"""Where scans are stored: outside the public media files, behind a view that checks the document."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.urls import reverse


class ScanStorage(FileSystemStorage):
    """Files under SCAN_ROOT (default MEDIA_ROOT/scans), whose URLs lead to ``media_views.scan_file``.

    The location is read from settings on every use, so that tests and operators that change
    MEDIA_ROOT or SCAN_ROOT move the scans with it."""

    @property
    def base_location(self):
        return settings.SCAN_ROOT or os.path.join(settings.MEDIA_ROOT, "scans")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        return reverse("scan_file", kwargs={"name": name})


def scan_storage():
    """The storage named "scans" in STORAGES if the operator configured one (e.g. a private S3 bucket)."""
    if "scans" in settings.STORAGES:
        return storages["scans"]
    return ScanStorage()


def scan_upload_to(scan, filename):
    """Each scan's original and derivatives share a folder named by its unguessable key."""
    return f"{scan.key}/{filename}"

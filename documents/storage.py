"""Where scans are stored: outside the public media files, behind a view that checks the document."""

import contextlib
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

    def _save(self, name, content):
        """Django leaves what it had written when a write fails part-way (a full disk): remove that
        partial file, and the scan's folder if it is left empty, so that nothing is orphaned."""
        path = self.path(name)
        existed = os.path.exists(path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
                self._remove_empty_folder(path)
            raise

    def delete(self, name):
        super().delete(name)
        self._remove_empty_folder(self.path(name))

    def _remove_empty_folder(self, path):
        """A scan's folder (its key) once its last file is gone; never the root."""
        folder = os.path.dirname(path)
        if folder != self.location:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # fails, as it should, while the folder still holds a file


def scan_storage():
    """The storage named "scans" in STORAGES if the operator configured one (e.g. a private S3 bucket)."""
    if "scans" in settings.STORAGES:
        return storages["scans"]
    return ScanStorage()


def scan_upload_to(scan, filename):
    """Each scan's original and derivatives share a folder named by its unguessable key."""
    return f"{scan.key}/{filename}"

"""Where uploads are stored: public media files (PDFs, logos, collection images) and, apart from
them, scans; every file is served by a view that checks who may see it (documents/web/media.py)."""

import contextlib
import contextvars
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.urls import reverse

# The files written since removed_on_failure() began, in this thread or task; None outside it.
_written = contextvars.ContextVar("written", default=None)


class StorageError(OSError):
    """A file could not be written (a full disk, a quota, a file-size limit); nothing of it is left."""


class MediaStorage(FileSystemStorage):
    """Files under MEDIA_ROOT, for every file field (STORAGES["default"]; scans: ScanStorage).

    A write that fails part-way (a full disk) removes what it had written, which Django leaves, and
    raises StorageError, which the admin answers with a message on the form rather than a 500."""

    def _save(self, name, content):
        path = self.path(name)
        existed = os.path.exists(path)
        try:
            name = super()._save(name, content)
        except OSError as error:
            if not existed:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
                self._remove_empty_folder(path)
            raise StorageError(error.errno, error.strerror or "storage error", name) from error
        if (written := _written.get()) is not None:
            written.append((self, name))
        return name

    def delete(self, name):
        super().delete(name)
        self._remove_empty_folder(self.path(name))

    def _remove_empty_folder(self, path):
        """A file's folder (a scan's key, a year of PDFs) once its last file is gone; never the root."""
        folder = os.path.dirname(path)
        if folder != self.location:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # fails, as it should, while the folder still holds a file


@contextlib.contextmanager
def removed_on_failure():
    """Files written inside this block are removed again if it fails: a save whose database rows
    were rolled back (a later file that did not fit, a database error) leaves no file behind."""
    written = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for storage, name in written:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    finally:
        _written.reset(token)


class ScanStorage(MediaStorage):
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
    """Each scan's original and derivatives share a folder named by its unguessable key; the file
    names are the server's (documents/files/uploads.py)."""
    return f"{scan.key}/{filename}"

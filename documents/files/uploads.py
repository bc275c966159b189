"""Every file that enters the archive, by whatever path (the admin's forms, the several-scans page,
a restore): its format is read from its content, never from its name; the name it is stored under
is chosen here, a random key and the extension of that format; and the headers it is served with
follow from the format (documents/web/media.py). The uploaded name is kept only as data.

A file whose content is also HTML or script (an image with markup appended, a GIF whose header
reads as a JavaScript comment) is then stored as ``<key>.png`` and served as ``image/png`` with
``nosniff`` and a sandboxing policy: no browser runs it, whatever the uploader called it."""

import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFieldFile
from django.utils.deconstruct import deconstructible
from PIL import Image, UnidentifiedImageError


@dataclass(frozen=True)
class Format:
    """A format the archive stores: what it is served as, and the extension its files get."""

    content_type: str
    extension: str
    inline: bool  # a browser shows it in the page; any other is served as a download


# Pillow's format names, and PDF.
FORMATS = {
    "JPEG": Format("image/jpeg", "jpg", inline=True),
    "PNG": Format("image/png", "png", inline=True),
    "GIF": Format("image/gif", "gif", inline=True),
    "WEBP": Format("image/webp", "webp", inline=True),
    "TIFF": Format("image/tiff", "tif", inline=False),
    "PDF": Format("application/pdf", "pdf", inline=False),
}
# What a web page shows as an image: donor logos and collection images. Never SVG, which is a
# document that may hold script.
WEB_IMAGE_FORMATS = ["JPEG", "PNG", "GIF", "WEBP"]
# Served for a stored file whose content is none of FORMATS (none should be): a download.
UNKNOWN = Format("application/octet-stream", "bin", inline=False)


def detect(file):
    """The name of the file's format in FORMATS, read from its content (the PDF header, else
    Pillow's reading of the image header); None if it is none of them. Leaves the file at its start."""
    file.seek(0)
    try:
        if file.read(5) == b"%PDF-":
            return "PDF"
        file.seek(0)
        with Image.open(file) as image:  # reads the header only
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return None
    finally:
        file.seek(0)
    return found if found in FORMATS else None


def format_of(file):
    """The Format a stored file is served as: its detected format, else a download."""
    return FORMATS.get(detect(file), UNKNOWN)


@deconstructible
class FormatValidator:
    """A model field validator: the file's content is one of the accepted formats."""

    def __init__(self, accepted, label):
        self.accepted, self.label = list(accepted), label

    def __call__(self, file):
        if getattr(file, "_committed", False):
            return  # already stored: it was checked when it was uploaded
        if detect(file) not in self.accepted:
            raise ValidationError(
                f"“%(name)s” is not {self.label}, whatever its name says. Nothing was saved.",
                code="file_format",
                params={"name": display_name(file.name)},
            )

    def __eq__(self, other):
        return isinstance(other, FormatValidator) and (self.accepted, self.label) == (other.accepted, other.label)


validate_pdf = FormatValidator(["PDF"], "a PDF")
validate_web_image = FormatValidator(WEB_IMAGE_FORMATS, "a JPEG, PNG, GIF or WebP image")


def stored_name(file):
    """A new name for the file in storage: a random key and its format's extension."""
    found = detect(file)
    if found is None:
        # Every field validates its files first; this stops any path that did not.
        raise ValidationError("The file is of a kind the archive does not store. Nothing was saved.")
    return f"{uuid.uuid4().hex}.{FORMATS[found].extension}"


def display_name(name):
    """The uploaded name, kept only to be shown: no folders (of any system), no control or
    direction-changing characters (which make "gpj.html" look like "lmth.jpg"), at most 255 long."""
    name = PurePosixPath(str(name or "").replace("\\", "/")).name
    return "".join(char for char in name if not _hidden(char))[:255]


def _hidden(char):
    """A control character (NUL, escape, newline) or an invisible format one (U+202E and the like)."""
    return unicodedata.category(char) in ("Cc", "Cf")


def hides_characters(name):
    return any(_hidden(char) for char in name)


def extension_matches(name, file):
    """Whether a stored name's extension is one that its content's format is known by (restore)."""
    found = detect(file)
    if found is None:
        return False
    known = {ext.lstrip(".") for ext, fmt in Image.registered_extensions().items() if fmt == found}
    return PurePosixPath(name).suffix.lower().lstrip(".") in known | {FORMATS[found].extension}


class _ServerNamed:
    """A FieldFile that ignores the name it is given and stores the file under stored_name()."""

    def save(self, name, content, save=True):
        super().save(stored_name(content), content, save)


class UploadFieldFile(_ServerNamed, FieldFile):
    pass


class UploadImageFieldFile(_ServerNamed, ImageFieldFile):
    pass


class UploadFileField(models.FileField):
    """A FileField whose files are stored under names the server chooses (give it a validator)."""

    attr_class = UploadFieldFile


class UploadImageField(models.ImageField):
    """An ImageField whose files are stored under names the server chooses (give it a validator)."""

    attr_class = UploadImageFieldFile
    # Not Django's check of the uploaded name's extension: the content decides, on every path alike.
    default_validators = []

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageFormField, **kwargs})


class ImageFormField(forms.ImageField):
    """forms.ImageField (Pillow checks the content) without its check of the uploaded name's extension."""

    default_validators = []

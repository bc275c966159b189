"""Checks and derivatives for uploaded files: scans of pages and PDFs of originals."""

from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

THUMBNAIL_SIZE = (400, 400)
# The long side of the image a reader pages through: sharp on a large screen, a fraction of a master scan.
READING_SIZE = (1600, 1600)
# Greyscale deeper than 8 bits, common in archival TIFF masters: JPEG holds 8 bits only.
_SIXTEEN_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N"}


def _name(file):
    return PurePath(file.name or "the file").name


def _format_names():
    names = ["WebP" if name == "WEBP" else name for name in settings.SCAN_FORMATS]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def validate_scan_image(file):
    """Refuse a scan that is too large in bytes or pixels, of a format not accepted, or that Pillow
    cannot decode in full; the header is checked before a single pixel is decoded (decompression bombs).

    Every message names the file. A file already in storage was checked when it was uploaded."""
    if getattr(file, "_committed", False):
        return
    name = _name(file)
    if file.size is not None and file.size > settings.SCAN_MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(file.size)}; the largest accepted is "
            f"{filesizeformat(settings.SCAN_MAX_BYTES)}. Nothing was saved.",
            code="file_too_large",
        )
    file.seek(0)
    try:
        # Opening reads the header only; Pillow refuses outright a header that declares more than
        # twice its own limit (DecompressionBombError).
        with Image.open(file) as image:
            if image.format not in settings.SCAN_FORMATS:
                raise ValidationError(
                    f"“{name}” is a {image.format} image: {image.format} images are not accepted. "
                    f"Upload {_format_names()}. Nothing was saved.",
                    code="image_format",
                )
            if image.width * image.height > settings.SCAN_MAX_PIXELS:
                raise ValidationError(
                    f"“{name}” is {image.width}×{image.height} pixels; the largest accepted is "
                    f"{settings.SCAN_MAX_PIXELS:,} pixels in all. Nothing was saved.",
                    code="image_too_large",
                )
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:  # the warning, if raised as an error
        raise ValidationError(
            f"“{name}” declares far more pixels than the largest accepted ({settings.SCAN_MAX_PIXELS:,}) "
            "and was refused as a possible decompression bomb. Nothing was saved.",
            code="decompression_bomb",
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(
            f"“{name}” is not a readable image: it may be corrupt, truncated or another kind of file. "
            "Nothing was saved.",
            code="unreadable_image",  # not "invalid_image": a ModelForm would show forms.ImageField's message
        ) from error
    finally:
        file.seek(0)


@dataclass(frozen=True)
class Derivatives:
    """What is made from a scan once, on upload: its size and two JPEGs (name, content)."""

    width: int
    height: int
    thumbnail: tuple[str, ContentFile]
    reading: tuple[str, ContentFile]


def _flatten(image):
    """An image JPEG can hold: 16-bit greys scaled to 8 bits, transparency laid on white."""
    if image.mode in _SIXTEEN_BIT_MODES:
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode not in ("RGB", "L"):
        return image.convert("L" if image.mode == "1" else "RGB")
    return image


def _jpeg(image):
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue())


def make_derivatives(file):
    """The thumbnail and the reading-size image of an uploaded scan, from a single decode.

    Both are upright (EXIF orientation applied) JPEGs; width and height are the original's."""
    file.seek(0)
    with Image.open(file) as image:
        width, height = image.size
        image.draft("RGB", READING_SIZE)  # JPEG only: decode at the smallest scale still large enough
        upright = _flatten(ImageOps.exif_transpose(image))
    file.seek(0)
    reading = upright.copy()
    reading.thumbnail(READING_SIZE, Image.Resampling.LANCZOS)
    thumbnail = reading.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    stem = PurePath(file.name).stem
    return Derivatives(
        width=width,
        height=height,
        thumbnail=(f"{stem}-thumb.jpg", _jpeg(thumbnail)),
        reading=(f"{stem}-reading.jpg", _jpeg(reading)),
    )


# Named by migration 0001; the one check is in documents/uploads.py.
from .uploads import validate_pdf  # noqa: E402, F401

"""Checks and derivatives for uploaded files: scans of pages and PDFs of originals."""

from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from PIL import ExifTags, Image, UnidentifiedImageError

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
            # Decodes every pixel, so that a truncated or corrupt file fails here; a JPEG at an eighth of
            # its size, which reads the whole stream for a fraction of the memory.
            image.draft(image.mode, (image.width // 8, image.height // 8))
            image.load()
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


def _pixels(file):
    """Width × height read from the header alone; 0 for a file that is not a readable image (its own
    validation says so)."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            return image.width * image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        return 0
    finally:
        file.seek(0)


def validate_upload_pixels(files):
    """Refuse new scans that together hold more than SCAN_REQUEST_MAX_PIXELS: each is decoded in turn,
    so its own limit (SCAN_MAX_PIXELS) bounds a worker's memory, and this bounds a request's time."""
    new = [file for file in files if file and not getattr(file, "_committed", False)]
    total = sum(_pixels(file) for file in new)
    limit = settings.SCAN_REQUEST_MAX_PIXELS
    if total > limit:
        raise ValidationError(
            f"These {len(new)} scans hold {total:,} pixels in all; one upload may hold at most {limit:,}. "
            "Upload them in smaller batches. Nothing was saved.",
            code="upload_too_large",
        )


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


def _reducible(image):
    """The decoded image in a mode that can be shrunk: palettes and bilevel images cannot be averaged
    as they are."""
    if image.mode in ("P", "PA"):
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _reduced(image):
    """The image shrunk, by a whole factor, to no less than twice the reading size.

    Only the decoded image is ever held at full size (with one converted copy for palette and
    bilevel images): every later step works on the reduced one, so one scan never costs several
    full-size copies (docs/media.md)."""
    factor = max(1, max(image.size) // (2 * max(READING_SIZE)))
    workable = _reducible(image)
    if workable is not image:
        _free(image)  # before the reduction allocates anything
    if factor == 1:
        return workable
    if workable.mode in ("LA", "RGBA"):
        # Image.reduce would first make a premultiplied full-size copy: shrink band by band instead,
        # one band's full-size copy at a time.
        bands = []
        for band in workable.getbands():
            full = workable.getchannel(band)
            bands.append(full.reduce(factor))
            _free(full)
        reduced = Image.merge(workable.mode, bands)
    elif workable.mode in _SIXTEEN_BIT_MODES:  # which reduce() does not take; a box filter is the same average
        reduced = workable.resize((workable.width // factor, workable.height // factor), Image.Resampling.BOX)
    else:
        reduced = workable.reduce(factor)
    _free(workable)
    return reduced


def _free(image):
    """Release an image's pixels now. Image.Image.close, not the file image's own close(), which would
    also close the caller's upload."""
    Image.Image.close(image)


def _jpeg(image):
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue())


def make_derivatives(file):
    """The thumbnail and the reading-size image of an uploaded scan, from a single decode.

    Both are upright (EXIF orientation applied) JPEGs; width and height are the original's. The
    full-size image is reduced at once (_reduced), so one scan never costs several full-size copies."""
    file.seek(0)
    with Image.open(file) as image:
        width, height = image.size
        orientation = image.getexif().get(ExifTags.Base.Orientation)
        image.draft("RGB", READING_SIZE)  # JPEG only: decode at the smallest scale still large enough
        image.load()
        reading = _reduced(image)
    file.seek(0)
    reading = _flatten(_upright(reading, orientation))
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


def _upright(image, orientation):
    """The image turned as its EXIF orientation says (read from the original: a reduced copy has no EXIF)."""
    method = _TRANSPOSITIONS.get(orientation)
    return image.transpose(method) if method is not None else image


# EXIF orientation → the transposition that makes the image upright (as ImageOps.exif_transpose does).
_TRANSPOSITIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

"""Checks and derivatives for uploaded files: scans of pages and PDFs of originals."""

from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats every browser shows, so the full image can be opened as it is.
SCAN_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
THUMBNAIL_SIZE = (400, 400)


def _open_image(file):
    file.seek(0)
    image = Image.open(file)
    return image


def validate_scan_image(file):
    """Refuse anything that Pillow cannot fully decode, an unsupported format or a huge image."""
    try:
        with _open_image(file) as image:
            if image.format not in SCAN_FORMATS:
                raise ValidationError(
                    f"{image.format} images are not accepted: upload JPEG, PNG, WebP or GIF.", code="image_format"
                )
            if image.width * image.height > settings.SCAN_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {image.width}×{image.height} pixels; the largest accepted is "
                    f"{settings.SCAN_MAX_PIXELS:,} pixels in all.",
                    code="image_too_large",
                )
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            "The file is not a readable image (it may be corrupt or of another type). Nothing was saved.",
            code="invalid_image",
        ) from error
    finally:
        file.seek(0)


def make_thumbnail(file):
    """A JPEG thumbnail of an uploaded image: (name, content, width, height) of the original."""
    with _open_image(file) as image:
        width, height = image.size
        thumb = ImageOps.exif_transpose(image)
        thumb.thumbnail(THUMBNAIL_SIZE)
        if thumb.mode not in ("RGB", "L"):
            thumb = thumb.convert("RGB")
        buffer = BytesIO()
        thumb.save(buffer, "JPEG", quality=85, optimize=True)
    file.seek(0)
    name = f"{PurePath(file.name).stem}-thumb.jpg"
    return name, ContentFile(buffer.getvalue()), width, height


def validate_pdf(file):
    """A PDF starts with %PDF-; refuse anything else whatever its name says."""
    file.seek(0)
    header = file.read(5)
    file.seek(0)
    if header != b"%PDF-":
        raise ValidationError("The file is not a PDF. Nothing was saved.", code="invalid_pdf")

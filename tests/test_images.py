"""Derivatives of scans: upright and true to colour from every kind of master, made from one decode
without ever holding two full-size copies of the image."""

import subprocess
import sys
import textwrap
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from documents.files.images import make_derivatives


def encoded(image, fmt, **options):
    buffer = BytesIO()
    image.save(buffer, fmt, **options)
    return ContentFile(buffer.getvalue(), name=f"master.{fmt.lower()}")


def exif_rotated_jpeg():
    """A landscape JPEG, red on the left half, whose EXIF says it must be turned 90° clockwise to be
    read: its derivatives are portrait, red on top."""
    image = Image.new("RGB", (4000, 2000), "white")
    image.paste("red", (0, 0, 2000, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    return encoded(image, "JPEG", exif=exif.tobytes()), (2000, 4000), {(0.5, 0.1): (255, 0, 0), (0.5, 0.9): (255,) * 3}


def sixteen_bit_tiff():
    """A 16-bit greyscale master, dark left and light right, as archival TIFFs are."""
    image = Image.new("I;16", (4000, 3000), 8000)
    image.paste(Image.new("I;16", (2000, 3000), 60000), (2000, 0))
    return encoded(image, "TIFF"), (4000, 3000), {(0.1, 0.5): (31,) * 3, (0.9, 0.5): (234,) * 3}


def transparent_png():
    """Transparency is laid on white: a transparent left half and an opaque blue right half."""
    image = Image.new("RGBA", (4000, 3000), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (2000, 0, 4000, 3000))
    return encoded(image, "PNG"), (4000, 3000), {(0.1, 0.5): (255,) * 3, (0.9, 0.5): (0, 0, 255)}


def palette_gif():
    image = Image.new("RGB", (3600, 3600), "yellow").convert("P")
    return encoded(image, "GIF"), (3600, 3600), {(0.5, 0.5): (255, 255, 0)}


def bilevel_tiff():
    image = Image.new("1", (4000, 4000), 1)
    image.paste(0, (0, 0, 4000, 2000))
    return encoded(image, "TIFF", compression="group4"), (4000, 4000), {(0.5, 0.1): (0,) * 3, (0.5, 0.9): (255,) * 3}


MASTERS = {
    "EXIF-rotated JPEG": exif_rotated_jpeg,
    "16-bit TIFF": sixteen_bit_tiff,
    "transparent PNG": transparent_png,
    "palette GIF": palette_gif,
    "bilevel TIFF": bilevel_tiff,
}


def colour_at(content, where):
    with Image.open(content) as image:
        rgb = image.convert("RGB")
        return rgb.getpixel((int(where[0] * (rgb.width - 1)), int(where[1] * (rgb.height - 1))))


@pytest.mark.parametrize("kind", MASTERS)
def test_derivatives_are_upright_and_true_to_colour_whatever_the_master(kind):
    master, (width, height), colours = MASTERS[kind]()
    derivatives = make_derivatives(master)
    assert (derivatives.width, derivatives.height) == Image.open(master).size
    for name, content in (derivatives.reading, derivatives.thumbnail):
        with Image.open(content) as image:
            assert image.format == "JPEG"
            longest = 1600 if name.endswith("-reading.jpg") else 400
            assert max(image.size) == longest
            assert image.width / image.height == pytest.approx(width / height, rel=0.01)
        for where, expected in colours.items():
            assert colour_at(content, where) == pytest.approx(expected, abs=6), (name, where)


# Runs in a process of its own, so that its peak memory is the derivatives' alone.
PEAK_PROBE = textwrap.dedent(
    """
    import resource, sys
    from django.core.files import File
    from documents.files.images import make_derivatives

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(sys.argv[1], "rb") as master:
        make_derivatives(File(master, name="master"))
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
    """
)


@pytest.mark.parametrize(
    "mode, fmt, bytes_per_pixel",
    [("RGBA", "PNG", 4), ("I;16", "TIFF", 2)],
)
def test_a_large_scan_never_costs_two_full_size_copies(tmp_path, mode, fmt, bytes_per_pixel):
    """An 80-megapixel master from a small file once took four full-size copies (1.3 GB) in the worker."""
    size = (6400, 4800)  # 30 megapixels: large enough to show the copies, quick enough for the suite
    path = tmp_path / f"master.{fmt.lower()}"
    Image.new(mode, size, 1000 if mode == "I;16" else "white").save(path, fmt)
    probe = subprocess.run([sys.executable, "-c", PEAK_PROBE, str(path)], capture_output=True, text=True, check=True)
    decoded = size[0] * size[1] * bytes_per_pixel
    print("PEAK", int(probe.stdout) // 2**20, decoded // 2**20)
    assert int(probe.stdout) < 2 * decoded

"""IIIF: a document as a Presentation 3 manifest, and each scan as a level-0 Image API 3 service.

Both are plain data (dicts ready for JSON), built from what the document page shows, in its order.
The image service is level 0: it serves only the derivatives made on upload, at their fixed sizes, and
its "full" image is the reading-size one (docs/iiif.md)."""

import html
import mimetypes
import re

from django.conf import settings
from django.urls import reverse

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
MANIFEST_CONTENT_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
IMAGE_INFO_CONTENT_TYPE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'

# The only rights URIs Presentation 3 allows, always in their http form.
RIGHTS_URI = re.compile(
    r"https?://(?:creativecommons\.org/(?:licenses|publicdomain)|rightsstatements\.org/vocab)/[^\s<>\"')]+"
)


def _text(*values, language="en"):
    """A language map of plain text. A value that begins with "<" and ends with ">" would be read as
    HTML by viewers (Presentation 3, section 4.4): it is escaped inside a <span>, so it shows as written."""
    return {language: [f"<span>{html.escape(value)}</span>" if _looks_like_html(value) else value for value in values]}


def _label(*values, language="en"):
    """A language map for a label, which is never HTML: the text as it is."""
    return {language: list(values)}


def _looks_like_html(value):
    return value.startswith("<") and value.endswith(">")


def _pair(label, *values, language="en"):
    return {"label": _label(label), "value": _text(*values, language=language)}


def rights_uri(text):
    """The first Creative Commons or RightsStatements.org URI in a rights statement, in the http form
    that IIIF requires; None if there is none."""
    found = RIGHTS_URI.search(text or "")
    if found is None:
        return None
    uri = found.group(0).rstrip(".,;:")
    return "http://" + uri.split("://", 1)[1]


def metadata(document):
    """Label/value pairs in the order of the document page (docs/data-model.md), each left out when empty."""
    pairs = []

    def add(label, values, language="en"):
        values = [value for value in values if value]
        if values:
            pairs.append(_pair(label, *values, language=language))

    add("Date", [document.display_date])
    add("Author(s)", [person.name for person in document.authors], "none")
    add("Recipient(s)", [person.name for person in document.recipients], "none")
    add("Participants", [person.name for person in document.participants], "none")
    add("Associated People & Organizations", [person.name for person in document.people_mentioned], "none")
    add("Associated Places", [place.name for place in document.places.all()])
    add("Subjects Discussed", [subject.name for subject in document.subjects.all()])
    add("Collections", [collection.name for collection in document.collections.all()])
    add("Source", [document.source])
    add("Original Archive", [archive.name for archive in document.archives.all()])
    add("Rights", [document.rights])
    add(
        "Original Uploaded Date",
        [document.original_uploaded_date and document.original_uploaded_date.isoformat()],
        "none",
    )
    add("Type", [document.doc_type and document.doc_type.name])
    add("Language", [language.name for language in document.languages.all()])
    add("Record ID", [str(document.record_id)], "none")
    add("Original Classification", [document.classification and document.classification.name])
    add("Donors", [donor.name for donor in document.donors.all()], "none")
    add("Other Titles", document.alternative_titles.splitlines())
    add("About the Date", [document.date_note])
    return pairs


def iiif_scans(document):
    """The document's scans that the image service can serve (those with a reading-size image of known
    size), in page order. Uses the prefetched scans of ``for_detail()``."""
    return [scan for scan in document.scans.all() if scan.reading and scan.reading_width and scan.reading_height]


def manifest_url(document, request):
    return request.build_absolute_uri(reverse("iiif:manifest", kwargs={"record_id": document.record_id}))


def image_service_url(scan, request):
    return request.build_absolute_uri(reverse("iiif:image_base", kwargs={"key": scan.key}))


def _image_url(service, width, height):
    return f"{service}/full/{width},{height}/0/default.jpg"


def _image_service(service):
    return [{"id": service, "type": "ImageService3", "profile": "level0"}]


def _thumbnail(scan, service):
    width, height = _thumbnail_size(scan)
    return {
        "id": _image_url(service, width, height),
        "type": "Image",
        "format": "image/jpeg",
        "width": width,
        "height": height,
        "service": _image_service(service),
    }


def _thumbnail_size(scan):
    if scan.thumbnail and scan.thumbnail_width and scan.thumbnail_height:
        return scan.thumbnail_width, scan.thumbnail_height
    return scan.reading_width, scan.reading_height


def canvas(scan, number, base, request):
    """One page: a canvas the size of the reading image, painted with it."""
    service = image_service_url(scan, request)
    canvas_id = f"{base}/canvas/{scan.key}"
    width, height = scan.reading_width, scan.reading_height
    original = {
        "id": request.build_absolute_uri(scan.image.url),
        "type": "Image",
        "label": _label(
            f"Original scan, {scan.width} × {scan.height} pixels" if scan.width and scan.height else "Original scan"
        ),
        "format": mimetypes.guess_type(scan.image.name)[0] or "application/octet-stream",
    }
    return {
        "id": canvas_id,
        "type": "Canvas",
        "label": _label(f"Page {number}"),
        "width": width,
        "height": height,
        "summary": _text(scan.alt_text),
        "thumbnail": [_thumbnail(scan, service)],
        "rendering": [original],
        "items": [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/page/image",
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": {
                            "id": _image_url(service, width, height),
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": width,
                            "height": height,
                            "service": _image_service(service),
                        },
                        "target": canvas_id,
                    }
                ],
            }
        ],
    }


def manifest(document, request):
    """The document as a IIIF Presentation 3 manifest; None if it has no scan to show.

    ``document`` should come from ``Document.objects.for_detail()``, so that this costs no query."""
    scans = iiif_scans(document)
    if not scans:
        return None
    base = manifest_url(document, request).rsplit("/", 1)[0]
    homepage = request.build_absolute_uri(document.get_absolute_url())
    data = {
        "@context": PRESENTATION_CONTEXT,
        "id": manifest_url(document, request),
        "type": "Manifest",
        "label": _label(document.title),
    }
    if document.summary:
        data["summary"] = _text(document.summary)
    data["metadata"] = metadata(document)
    rights = rights_uri(document.rights)
    if rights:
        data["rights"] = rights
    acknowledgements = [donor.acknowledgement for donor in document.donors.all() if donor.acknowledgement]
    if acknowledgements:
        data["requiredStatement"] = _pair("Acknowledgement", *acknowledgements)
    if document.date:
        data["navDate"] = f"{document.date.isoformat()}T00:00:00Z"
    home = request.build_absolute_uri(reverse("documents:home"))
    data["provider"] = [
        {
            "id": f"{home}#archive",
            "type": "Agent",
            "label": _label(settings.ARCHIVE_NAME),
            "homepage": [
                {
                    "id": home,
                    "type": "Text",
                    "label": _label(settings.ARCHIVE_NAME),
                    "format": "text/html",
                }
            ],
        }
    ]
    data["homepage"] = [
        {"id": homepage, "type": "Text", "label": _label(document.title), "format": "text/html", "language": ["en"]}
    ]
    data["thumbnail"] = [_thumbnail(scans[0], image_service_url(scans[0], request))]
    if document.original_pdf:
        data["rendering"] = [
            {
                "id": request.build_absolute_uri(document.original_pdf.url),
                "type": "Text",
                "label": _label("PDF of the original"),
                "format": "application/pdf",
            }
        ]
    data["items"] = [canvas(scan, number, base, request) for number, scan in enumerate(scans, start=1)]
    return data


def image_sizes(scan):
    """The fixed sizes a scan's image service serves, smallest first, each with the file it comes from."""
    sizes = {(scan.reading_width, scan.reading_height): scan.reading.name}
    if scan.thumbnail and scan.thumbnail_width and scan.thumbnail_height:
        sizes.setdefault((scan.thumbnail_width, scan.thumbnail_height), scan.thumbnail.name)
    return dict(sorted(sizes.items()))


def image_info(scan, request):
    """The scan's info.json: a level-0 Image API 3 service whose full image is the reading-size one."""
    return {
        "@context": IMAGE_CONTEXT,
        "id": image_service_url(scan, request),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": scan.reading_width,
        "height": scan.reading_height,
        "sizes": [{"width": width, "height": height} for width, height in image_sizes(scan)],
    }


class ImageRequestError(Exception):
    """An image request this service cannot answer, with the status the Image API gives it."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


_NUMBER = r"\d+(?:\.\d+)?"
REGION = re.compile(rf"full|square|\d+,\d+,\d+,\d+|pct:{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}")
SIZE = re.compile(rf"\^?(?:max|\d+,|,\d+|pct:{_NUMBER}|!?\d+,\d+)")
ROTATION = re.compile(rf"!?{_NUMBER}")
QUALITIES = {"color", "gray", "bitonal", "default"}
FORMATS = {"jpg", "tif", "png", "gif", "jp2", "pdf", "webp"}


def image_file(scan, region, size, rotation, quality_format):
    """The name in storage of the file that answers an Image API request for this scan.

    Raises ImageRequestError: 400 for a request that is not Image API syntax, 404 for a valid request
    that a level-0 service does not offer (a region but the full image, a size not listed in info.json,
    a rotation, another quality or format)."""
    quality, dot, image_format = quality_format.rpartition(".")
    if not (
        REGION.fullmatch(region)
        and SIZE.fullmatch(size)
        and ROTATION.fullmatch(rotation)
        and float(rotation.lstrip("!")) <= 360
        and dot
        and quality in QUALITIES
        and image_format in FORMATS
    ):
        raise ImageRequestError(400, "Not an Image API request: region/size/rotation/quality.format.")
    if "pct:" not in size and any(int(number) == 0 for number in re.findall(r"\d+", size)):
        raise ImageRequestError(400, "A size of zero pixels.")
    if region != "full" or rotation != "0" or quality != "default" or image_format != "jpg":
        raise ImageRequestError(404, "This level-0 service serves the full image, unrotated, as default.jpg.")
    sizes = image_sizes(scan)
    if size == "max":
        return sizes[(scan.reading_width, scan.reading_height)]
    found = re.fullmatch(r"(\d+),(\d+)", size)
    if found:
        name = sizes.get((int(found.group(1)), int(found.group(2))))
        if name:
            return name
    raise ImageRequestError(404, "This level-0 service serves only the sizes listed in its info.json.")

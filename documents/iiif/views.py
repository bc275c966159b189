"""IIIF over HTTP: a manifest per document with scans, and a level-0 image service per scan.

What anonymous readers may see follows the one visibility rule: a draft's manifest, info.json and
images answer 404, as its page does; staff preview them. See docs/iiif.md."""

import json

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from ..models import Document
from ..web.media import scan_file_response, set_cache_headers, visible_scan
from . import manifests as iiif


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _json(data, content_type):
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type=content_type)
    return _open_to_all_origins(response)


def _open_to_all_origins(response):
    # Viewers on other sites load manifests and images; nothing here depends on cookies for anyone but
    # staff, and a wildcard origin never lets another site read with the visitor's cookies.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _served_scan(request, key):
    """A scan the visitor may see and the image service can serve (its reading-size image is known)."""
    scan = visible_scan(request.user, key)
    if not (scan.reading and scan.reading_width and scan.reading_height):
        raise Http404("This scan has no image to serve.")
    return scan


@require_safe
def manifest(request, record_id):
    document = get_object_or_404(Document.objects.visible_to(request.user).for_detail(), record_id=record_id)
    data = iiif.manifest(document, request)
    if data is None:
        raise Http404("This document has no scans.")
    return set_cache_headers(_json(data, iiif.MANIFEST_CONTENT_TYPE), document)


@require_safe
def image_base(request, key):
    """The service's own address sends clients to its description (Image API 3, section 2.2)."""
    _served_scan(request, key)
    response = HttpResponseSeeOther(reverse("iiif:image_info", kwargs={"key": key}))
    return _open_to_all_origins(response)


@require_safe
def image_info(request, key):
    scan = _served_scan(request, key)
    # JSON-LD for clients that ask for it; plain JSON otherwise (Image API 3, section 5).
    preferred = request.get_preferred_type(["application/json", "application/ld+json"])
    content_type = iiif.IMAGE_INFO_CONTENT_TYPE if preferred == "application/ld+json" else "application/json"
    response = set_cache_headers(_json(iiif.image_info(scan, request), content_type), scan.document)
    patch_vary_headers(response, ["Accept"])
    return response


@require_safe
def image(request, key, region, size, rotation, quality_format):
    scan = _served_scan(request, key)
    try:
        name = iiif.image_file(scan, region, size, rotation, quality_format)
    except iiif.ImageRequestError as error:
        response = HttpResponse(str(error), status=error.status, content_type="text/plain; charset=utf-8")
        return _open_to_all_origins(response)
    return _open_to_all_origins(scan_file_response(scan, name))

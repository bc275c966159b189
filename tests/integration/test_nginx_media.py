"""The shipped nginx site, docs/nginx/archive.conf, run as make serve-nginx runs it (Debian's nginx,
documents.ops.servers.Nginx) in front of the live server with uploads sent by X-Accel-Redirect:
every file keeps the type the view found in its content, and gets nosniff and the sandboxing policy,
which nginx does not pass on by itself."""

from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.base import ContentFile

from documents.management.commands.serve_nginx import MEDIA_ACCEL_REDIRECT, SCAN_ACCEL_REDIRECT
from documents.models import Scan
from documents.ops.servers import Nginx
from documents.web.media import MEDIA_CSP

from ..factories import DocumentFactory, image_upload
from ..test_uploads import gif_js, png_html

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def nginx(tmp_path, live_server, media_root, settings):
    """nginx on a free port with docs/nginx/archive.conf, in front of the live server, its internal
    locations serving this test's media folders, the views answering with X-Accel-Redirect as under
    make serve-nginx."""
    settings.MEDIA_ACCEL_REDIRECT, settings.SCAN_ACCEL_REDIRECT = MEDIA_ACCEL_REDIRECT, SCAN_ACCEL_REDIRECT
    upstream = urlsplit(live_server.url).netloc
    server = Nginx(upstream, tmp_path / "static", media_root=media_root, scan_root=media_root / "scans")
    try:
        server.start()
    except RuntimeError as error:  # nginx missing or refusing the file: a failure, never a skip
        pytest.fail(f"{error} (.ci/run installs nginx)")
    try:
        yield server.url
    finally:
        server.stop()


def test_nginx_serves_each_file_as_its_content_with_the_media_headers(nginx, live_server, client, django_user_model):
    published = DocumentFactory(status="published")
    uploads = [gif_js("x.js"), png_html("x.html"), image_upload("m.tif", fmt="TIFF")]
    gif, png, tiff = Scan.append_to(published, uploads)
    published.original_pdf.save("x.html", ContentFile(b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n"))
    (draft_scan,) = Scan.append_to(DocumentFactory(status="draft"), [image_upload("d.png")])

    for field_file, content_type, disposition in [
        (gif.image, "image/gif", "inline"),
        (png.image, "image/png", "inline"),
        (tiff.image, "image/tiff", "attachment"),
        (gif.thumbnail, "image/jpeg", "inline"),
        (published.original_pdf, "application/pdf", "attachment"),
    ]:
        # Django only says yes and what the file is; nginx sends it.
        assert requests.get(live_server.url + field_file.url, timeout=5).headers["X-Accel-Redirect"]
        response = requests.get(nginx + field_file.url, timeout=5)
        assert response.status_code == 200, field_file.url
        assert response.headers["Server"] == "nginx"
        with field_file.open() as stored:
            assert response.content == stored.read()  # sent by nginx, from the internal location
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Content-Disposition"].startswith(disposition + ";")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == MEDIA_CSP
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        # Django's own security headers, which nginx drops on an X-Accel-Redirect, are passed on.
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "X-Robots-Tag" not in response.headers

    assert requests.get(nginx + draft_scan.image.url, timeout=5).status_code == 404  # anonymous
    assert requests.get(nginx + "/internal-scans/" + draft_scan.image.name, timeout=5).status_code == 404
    assert requests.get(nginx + "/internal-media/" + published.original_pdf.name, timeout=5).status_code == 404

    # Staff see a draft's scan, never cached by others nor indexed.
    client.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "a-long-password-1"))
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    response = requests.get(nginx + draft_scan.image.url, cookies=cookies, timeout=5)
    assert response.status_code == 200
    with draft_scan.image.open() as stored:
        assert response.content == stored.read()
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == MEDIA_CSP


def test_the_shipped_site_has_no_placeholder_left_and_no_plain_media_alias(tmp_path):
    site = Nginx("127.0.0.1:1", tmp_path, media_root=tmp_path / "m", scan_root=tmp_path / "s").site()
    assert f"alias {tmp_path / 'm'}/;" in site
    assert f"alias {tmp_path / 's'}/;" in site
    assert "location /media/" not in site  # uploads go to Django (location /), never straight from disk

"""The nginx configuration docs/media.md gives for serving uploads behind X-Accel-Redirect, run as
written (Debian's nginx) in front of the live server: every file keeps the type the view found in
its content, and gets nosniff and the sandboxing policy, which nginx does not pass on by itself."""

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from django.core.files.base import ContentFile

from documents.drill_servers import free_port
from documents.media_views import MEDIA_CSP
from documents.models import Scan

from .factories import DocumentFactory, image_upload
from .test_uploads import gif_js, png_html

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "media.md"


def documented_locations():
    """The ```nginx block of docs/media.md's "In production"."""
    text = DOCS.read_text(encoding="utf-8")
    return re.search(r"```nginx\n(.*?)```", text[text.index("### In production") :], re.S).group(1)


@pytest.fixture
def nginx(tmp_path, live_server, media_root, settings):
    """nginx on a free port with the documented locations, the paths and upstream made this test's."""
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed: apt-get install nginx (.ci/run installs it)")
    settings.MEDIA_ACCEL_REDIRECT, settings.SCAN_ACCEL_REDIRECT = "/internal-media/", "/internal-scans/"
    locations = (
        documented_locations()
        .replace("http://archive_app", live_server.url)
        .replace("/srv/archive/media/", f"{media_root}/")
        .replace("/srv/archive/scans/", f"{media_root}/scans/")
    )
    port = free_port()
    (tmp_path / "nginx.conf").write_text(
        f"""daemon off; user root; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/t; proxy_temp_path {tmp_path}/t; fastcgi_temp_path {tmp_path}/t;
    uwsgi_temp_path {tmp_path}/t; scgi_temp_path {tmp_path}/t;
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
}}
"""
    )
    server = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_nginx_serves_each_file_as_its_content_with_the_media_headers(nginx):
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
        response = requests.get(nginx + field_file.url, timeout=5)
        assert response.status_code == 200, field_file.url
        with field_file.open() as stored:
            assert response.content == stored.read()  # sent by nginx, from the internal location
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Content-Disposition"].startswith(disposition + ";")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == MEDIA_CSP
        assert response.headers["Cache-Control"] == "public, max-age=3600"

    assert requests.get(nginx + draft_scan.image.url, timeout=5).status_code == 404  # anonymous
    assert requests.get(nginx + "/internal-scans/" + draft_scan.image.name, timeout=5).status_code == 404

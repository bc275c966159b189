"""The disk-full drill: the media folder a small tmpfs, filled, while a curator uploads a scan and a
donor's logo through the admin (needs root to mount it)."""

import io
import os
import re
import subprocess
from pathlib import Path

from documents.ops.servers import Client

from .servers import CURATOR_PASSWORD
from .traffic import SEED_RECORD


def unmount(path):
    if mounted(path):
        subprocess.run(["umount", str(path)], check=False)


def mounted(path):
    target = str(Path(path).resolve())
    return any(line.split()[1] == target for line in Path("/proc/mounts").read_text().splitlines())


def noise_png(side):
    """A PNG that does not compress: about 3 bytes a pixel."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def files_under(path):
    return sorted(str(file.relative_to(path)) for file in Path(path).rglob("*") if file.is_file())


def drill_disk_full(stack, result):
    app, postgres, media = stack.app, stack.postgres, stack.media
    if os.geteuid() != 0:
        result.step("Not run: mounting a small tmpfs as the media folder needs root.")
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(media)], check=True)
    try:
        free = os.statvfs(media).f_bavail * os.statvfs(media).f_frsize
        filler = media / "filler.bin"
        filler.write_bytes(b"\0" * (free - 300_000))
        left = os.statvfs(media).f_bavail * os.statvfs(media).f_frsize
        scan = noise_png(600)
        result.step(
            f"Media folder: a 2 MB tmpfs filled to {left // 1000} kB free; "
            f"uploading a {len(scan) // 1000} kB scan through the admin, then the same image as a new donor's logo."
        )
        (document_pk,), *_ = postgres.sql("SELECT id FROM documents_document WHERE record_id = %s", [SEED_RECORD])
        count = "SELECT COUNT(*) FROM documents_scan WHERE document_id = %s"
        scans_before = postgres.sql(count, [document_pk])[0][0]
        curator = Client(app.url)
        curator.admin_login("drill-curator", CURATOR_PASSWORD)
        upload = f"/admin/documents/scan/upload/{document_pk}/"
        fields = {"csrfmiddlewaretoken": curator.csrf_token(upload), "order": "name", "description": "drill"}
        reply = curator.post_form(upload, fields, [("files", "page-1.png", scan, "image/png")])
        message = re.search(r"The scans could not be stored \([^)]*\)\. Nothing was saved\.", reply.text)
        scans_after = postgres.sql(count, [document_pk])[0][0]
        # The same full disk on an admin form that stores a file as it saves its row: a donor's logo.
        donor_form = "/admin/documents/donor/add/"
        donor_fields = {"csrfmiddlewaretoken": curator.csrf_token(donor_form), "name": "Drill Foundation"}
        donor_fields |= {"slug": "drill-foundation", "description": "", "url": "", "acknowledgement": ""}
        logo_reply = curator.post_form(donor_form, donor_fields, [("logo", "logo.png", scan, "image/png")])
        logo_message = re.search(r"The files could not be stored \([^)]*\)\. Nothing was saved", logo_reply.text)
        donors = "SELECT COUNT(*) FROM documents_donor WHERE slug = 'drill-foundation'"
        donor_rows = postgres.sql(donors)[0][0]
        leftovers = [name for name in files_under(media) if name != "filler.bin"]
        filler.unlink()
        fields["csrfmiddlewaretoken"] = curator.csrf_token(upload)
        retry = curator.post_form(upload, fields, [("files", "page-1.png", scan, "image/png")])
        result.numbers = {
            "the curator's answer": f"{reply.status}, the form says: “{message.group(0)}”"
            if message
            else f"{reply.status}, no message",
            "scan rows before / after": f"{scans_before} / {scans_after}",
            "a donor's logo on the same full disk": f"{logo_reply.status}, the form says: “{logo_message.group(0)}.”"
            if logo_message
            else f"{logo_reply.status}, no message",
            "donor rows after": donor_rows,
            "files left in the media folder besides the filler": ", ".join(leftovers) or "none",
            "the same upload with space again": f"{retry.status}, {len(files_under(media))} files stored "
            "(original, thumbnail, reading size)",
        }
        result.passed = (
            reply.status == 200
            and message is not None
            and scans_after == scans_before
            and logo_reply.status == 200
            and logo_message is not None
            and donor_rows == 0
            and not leftovers
            and retry.status == 302
        )
    finally:
        unmount(media)

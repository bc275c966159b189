"""The load test's curator (driver.py): edits through the API as a staff program does, checks each
acknowledged edit on the public page, and afterwards looks every acknowledged edit up in the database
(lost edits) and undoes them."""

import http.client
import json
import re
import uuid
from urllib.parse import urlsplit

from documents.models import Document

from .connection import Connection

MARKER = re.compile(r" \[loadtest [0-9a-f]+ #\d+\]")


class Curator:
    """Edits through the API with a staff token, one edit after another, and remembers every edit
    the server acknowledged (a 200 to its PATCH) for the lost-edit check."""

    def __init__(self, base_url, token, workload, interval=0.5, draft_every=10):
        self.connection = Connection(base_url)
        self.public = Connection(base_url)  # an anonymous reader, served through the page cache
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.workload, self.interval, self.draft_every = workload, interval, draft_every
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        self.markers = {record_id: [] for record_id in workload.edited}  # acknowledged, in order
        self.statuses = {}  # draft record id → the status last acknowledged
        self.edits = {}  # record id → number of acknowledged saves
        self.versions = dict(
            Document.objects.filter(record_id__in=workload.edited + workload.drafts).values_list("record_id", "version")
        )
        self.originals = {
            record_id: MARKER.sub("", summary)
            for record_id, summary in Document.objects.filter(record_id__in=workload.edited).values_list(
                "record_id", "summary"
            )
        }
        self.latencies, self.errors, self.stale_etags, self.stale_reads, self.public_checks = [], [], 0, 0, 0

    def start_phase(self):
        self.latencies, self.errors, self.stale_etags, self.stale_reads, self.public_checks = [], [], 0, 0, 0

    def loop(self, stop):
        while not stop.is_set():
            self.edit_once()
            stop.wait(self.interval)

    def edit_once(self):
        self.count += 1
        if self.workload.drafts and self.count % self.draft_every == 0:
            record_id = self.workload.drafts[(self.count // self.draft_every) % len(self.workload.drafts)]
            self.save(record_id, lambda data: {"status": "draft" if data["status"] == "published" else "published"})
        elif self.workload.edited:
            record_id = self.workload.edited[self.count % len(self.workload.edited)]
            marker = f" [loadtest {self.run} #{self.count}]"
            self.save(record_id, lambda data: {"summary": data["summary"] + marker}, marker=marker)

    def save(self, record_id, change, marker=None, attempts=3, record=True):
        """Read, change, PATCH with If-Match; on a 412 (someone saved in between) read again and retry."""
        path = f"/api/v1/documents/{record_id}/"
        for _ in range(attempts):
            try:
                status, response, body, _ = self.connection.request("GET", path, headers=self.headers)
                if status != 200:
                    self.errors.append(f"GET {path}: {status}")
                    return
                data = json.loads(body)
                if marker and not all(m in data["summary"] for m in self.markers[record_id]):
                    self.stale_reads += 1  # a read that misses an acknowledged edit
                values = change(data)
                headers = {**self.headers, "If-Match": response.getheader("ETag")}
                status, _, body, seconds = self.connection.request("PATCH", path, json.dumps(values).encode(), headers)
            except (OSError, http.client.HTTPException) as error:
                self.errors.append(f"{path}: {type(error).__name__}: {error}")
                return
            if status == 412:
                self.stale_etags += 1
                continue
            if status != 200:
                self.errors.append(f"PATCH {path}: {status} {body[:200]!r}")
                return
            if record:
                self.latencies.append(seconds)
                self.edits[record_id] = self.edits.get(record_id, 0) + 1
                if marker:
                    self.markers[record_id].append(marker)
                if "status" in values:
                    self.statuses[record_id] = values["status"]
                self.check_public(record_id, values.get("status", data["status"]) == "published", marker)
            return
        self.errors.append(f"PATCH {path}: still 412 after {attempts} attempts")

    def check_public(self, record_id, published, marker):
        """Right after an acknowledged save, an anonymous reader's document page (which the page
        cache serves) must show it: a 404 once unpublished, the page with the new text once edited.
        A wrong answer is an error."""
        path = f"/documents/{record_id}/"
        try:
            status, response, body, _ = self.public.request("GET", path)
            if status == 301:  # to the address with the slug
                path = urlsplit(response.getheader("Location")).path
                status, response, body, _ = self.public.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(f"anonymous GET {path}: {type(error).__name__}: {error}")
            return
        self.public_checks += 1
        expected = 200 if published else 404
        if status != expected:
            self.errors.append(f"anonymous GET {path}: {status}, expected {expected} after the save")
        elif marker and marker.strip() not in body.decode(errors="replace"):
            self.errors.append(f"anonymous GET {path}: the acknowledged edit{marker} is not on the page")

    def lost_edits(self):
        """Acknowledged edits that the database does not hold: one line each."""
        lost = []
        rows = {
            row["record_id"]: row
            for row in Document.objects.filter(record_id__in=list(self.versions)).values(
                "record_id", "summary", "status", "version"
            )
        }
        for record_id, markers in self.markers.items():
            missing = [m.strip() for m in markers if m not in rows[record_id]["summary"]]
            lost += [f"document {record_id}: {m} missing from the summary" for m in missing]
        for record_id, wanted in self.statuses.items():
            if rows[record_id]["status"] != wanted:
                lost.append(f"document {record_id}: status {rows[record_id]['status']}, last set to {wanted}")
        for record_id, count in self.edits.items():
            saved = rows[record_id]["version"] - self.versions[record_id]
            if saved < count:
                lost.append(f"document {record_id}: {count} edits acknowledged, the version rose by {saved}")
        return lost

    def restore(self):
        """Put the edited documents back as they were (through the API: the index and history follow)."""
        for record_id, original in self.originals.items():
            if self.markers[record_id]:
                self.save(record_id, lambda data, original=original: {"summary": original}, record=False)
        for record_id, status in self.statuses.items():
            if status == "published":
                self.save(record_id, lambda data: {"status": "draft"}, record=False)
        self.connection.close()

"""The traffic the drills put on the app: readers going through the public pages and the API, curators
saving drafts through the API, and the demo archive's document and people they use."""

import threading
import time

from documents.ops.servers import Client

SEED_RECORD = 121773
SEED_PAGE = f"/documents/{SEED_RECORD}/cable-joseph-stalin-to-anastas-mikoyan/"
# The demo archive's people, whom the curators' saves name as authors and recipients.
PEOPLE = ["mao-zedong", "anastas-mikoyan", "joseph-stalin", "anna-louise-strong"]
READER_PATHS = [
    "/",
    "/documents/",
    "/documents/?q=cable",
    SEED_PAGE,
    "/api/v1/documents/",
    f"/api/v1/documents/{SEED_RECORD}/",
]


class Readers:
    """Client threads requesting the public pages and the API in turn until stopped; every answer is
    kept as (started, finished, status, path, client)."""

    def __init__(self, base, clients=4, paths=READER_PATHS):
        self.base, self.paths, self.answers = base, paths, []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(number,)) for number in range(clients)]

    def _read(self, number):
        client = Client(self.base)
        turn = number
        while not self.stopping.is_set():
            path = self.paths[turn % len(self.paths)]
            started = time.monotonic()
            reply = client.get(path, timeout=30)
            self.answers.append((started, time.monotonic(), reply.status, path, number))
            turn += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def between(self, start, end):
        """The answers that came back in that time (a request cut off by a fault counts in the fault)."""
        return [answer for answer in self.answers if start <= answer[1] < end]


def new_document(number, **fields):
    return {
        "title": f"Drill cable {number}",
        "date": "1949-02-01",
        "date_precision": "day",
        "type": "cable",
        "languages": ["ru"],
        "authors": [PEOPLE[number % len(PEOPLE)]],
        "recipients": [PEOPLE[(number + 1) % len(PEOPLE)]],
        "summary": "Created by the drill.",
    } | fields


def curator_saves(base, token, clients=8, seconds=20.0):
    """Curators each create a draft through the API, then save it again and again for that long,
    each save a PATCH with If-Match that changes its summary and its people (the document, its
    people, the search index and a history revision: several tables). What each saw is returned."""
    deadline = time.monotonic() + seconds
    curators = [{"number": number, "saves": [], "record_id": None, "summary": None} for number in range(clients)]

    def work(curator):
        client, number = Client(base, token), curator["number"]
        created = client.send_json("POST", "/api/v1/documents/", new_document(number))
        curator["saves"].append((created.status, created.seconds, created.text[:300]))
        if created.status != 201:
            return
        curator["record_id"], etag = created.json()["record_id"], created.headers["ETag"]
        curator["summary"] = "Created by the drill."
        url = f"/api/v1/documents/{curator['record_id']}/"
        save = 0
        while time.monotonic() < deadline:
            save += 1
            summary = f"Save {save} by curator {number}."
            change = {"summary": summary, "authors": [PEOPLE[(number + save) % len(PEOPLE)]]}
            reply = client.send_json("PATCH", url, change, {"If-Match": etag})
            curator["saves"].append((reply.status, reply.seconds, reply.text[:300]))
            if reply.status == 200:
                etag, curator["summary"] = reply.headers["ETag"], summary
            else:
                etag = client.get(url).headers.get("ETag", etag)

    threads = [threading.Thread(target=work, args=(curator,)) for curator in curators]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return curators, time.monotonic() - started


def timed_reads(base, seconds):
    """One reader going through the pages for that long; each answer as (status, seconds)."""
    reader, answers, deadline, turn = Client(base), [], time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        reply = reader.get(READER_PATHS[turn % len(READER_PATHS)], timeout=10)
        answers.append((reply.status, reply.seconds))
        turn += 1
    return answers

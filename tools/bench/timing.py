"""Server-side timing of the public pages on a synthetic corpus (tools/corpus/).

`python -m bench` (and `make bench`, which first makes the corpora) requests each page
with Django's test Client in the same process (no network, no server), a few times to warm up
and then repeatedly, and reports the median and 95th percentile. Beside the pages it times the
search engine's match and count alone, so that the cost of
everything else (facets, ranking, paging, rendering) shows as a ratio.

Each run replaces its database's section of docs/benchmarks.md (between markers, report.py) and the
machine description (environment.py), and keeps everything else in the file, so notes written there
survive a new run.
"""

import math
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from corpus.spec import COMMON_WORD, RARE_WORD, RECORD_ID_BASE, frequent_values
from documents.models import Document, Relation
from documents.search import Criteria, Search, parse_query
from documents.search.pages import MAX_RESULTS
from documents.search.searching import kept

from .environment import describe_corpus

DATE_FROM, DATE_TO = "1945", "1962"
WARM_RUNS = 10


@dataclass
class Result:
    key: str
    label: str
    path: str
    times: list = field(default_factory=list)  # seconds, each request counting afresh
    warm: list = field(default_factory=list)  # seconds, the same request again since the last commit
    queries: int = 0
    slowest: list = field(default_factory=list)  # (seconds, sql)
    status: int = 200
    note: str = ""

    @property
    def median(self):
        return statistics.median(self.times) * 1000

    @property
    def p95(self):
        return percentile(self.times, 0.95) * 1000


def percentile(values, fraction):
    """Nearest-rank percentile (fraction 0.95 for the 95th) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class Bench:
    def __init__(self, repeat=20, warmup=3, budget=60.0, stream=None):
        self.repeat, self.warmup, self.budget = repeat, warmup, budget
        self.stream = stream or sys.stdout
        self.client = Client()
        self.export = None

    def log(self, message):
        self.stream.write(message + "\n")
        self.stream.flush()

    def run(self):
        corpus = describe_corpus()
        if not corpus["documents"]:
            raise RuntimeError("No synthetic corpus in this database: run `python -m corpus` first (tools/README.md).")
        values = frequent_values()
        scenarios = self.scenarios(values)
        results = []
        # The test Client closes the connection after every request when CONN_MAX_AGE is 0; keep
        # it open, as a persistent connection would in production.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            with override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["testserver"],
                CACHES={
                    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in ("default", "pages")
                },
            ):
                for key, label, path, note in scenarios:
                    results.append(self.measure_page(key, label, path, note))
                self.export = self.measure_export()
                raw = [self.measure_raw(word, label) for word, label in self.raw_searches()]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return corpus, values, results, raw

    def scenarios(self, values):
        per_page = settings.DOCUMENTS_PER_PAGE
        typed = Document.objects.published().filter(doc_type__slug=values["type"]).count()
        deepest = max(1, -(-min(typed, MAX_RESULTS) // per_page))
        document = pick_document()
        filters = (
            f"type={values['type']}&language={values['language']}&donor={values['donor']}"
            f"&date_from={DATE_FROM}&date_to={DATE_TO}"
        )
        if typed >= MAX_RESULTS:
            deep_note = (
                f"the filter selects {typed:,} documents; page {deepest} is the deepest the list allows "
                f"(it pages through the first {MAX_RESULTS:,} results, {per_page} a page; "
                f"page=1000 shows page {deepest})"
            )
        else:
            deep_note = f"the filter selects only {typed:,} documents, so page {deepest} is the last"
        return [
            ("list", "First page of /documents/ (all facets)", "/documents/", ""),
            ("common", f"Search, common word “{COMMON_WORD}”, all facets", f"/documents/?q={COMMON_WORD}", ""),
            ("rare", f"Search, rare word “{RARE_WORD}”, all facets", f"/documents/?q={RARE_WORD}", ""),
            ("filters", "Type + language + donor + date range, all facets", f"/documents/?{filters}", ""),
            ("person", "Person page, the most frequent person", f"/people/{values['person']}/", ""),
            ("document", "Document page", document.get_absolute_url(), ""),
            ("deep", f"Page {deepest} of a filtered list (type)", f"/documents/?type={values['type']}&page={deepest}",
             deep_note),
            ("api-list", "API: first page of documents", "/api/v1/documents/", ""),
            ("api-search", f"API: search “{COMMON_WORD}” with type, language and person facets",
             f"/api/v1/documents/?q={COMMON_WORD}&facets=type,language,person", ""),
            ("api-detail", "API: one document", f"/api/v1/documents/{document.record_id}/", ""),
        ]  # fmt: skip

    def raw_searches(self):
        return [
            (COMMON_WORD, f"Match query alone, “{COMMON_WORD}” (count of matches)"),
            (RARE_WORD, f"Match query alone, “{RARE_WORD}” (count of matches)"),
        ]

    def _repeat(self, call, result):
        started = time.perf_counter()
        for n in range(self.warmup):
            call()
            if n == 0 and time.perf_counter() - started > self.budget / 10:
                break  # a slow page: one warm-up run is enough
        started = time.perf_counter()
        while len(result.times) < self.repeat:
            kept.clear()  # each request counts afresh, as one that no reader asked since the last commit
            t0 = time.perf_counter()
            call()
            result.times.append(time.perf_counter() - t0)
            if len(result.times) >= min(5, self.repeat) and time.perf_counter() - started > self.budget:
                break

    def measure_page(self, key, label, path, note):
        result = Result(key, label, path, note=note)
        response = self.client.get(path)
        result.status = response.status_code
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            self.client.get(path)
        result.queries = len(captured.captured_queries)
        result.slowest = sorted(
            ((float(query["time"]), query["sql"]) for query in captured.captured_queries), reverse=True
        )[:3]
        self._repeat(lambda: self.client.get(path), result)
        # Then as a page asked again before the next commit: the index's counts for it are kept.
        for _ in range(WARM_RUNS):
            started = time.perf_counter()
            self.client.get(path)
            result.warm.append(time.perf_counter() - started)
        self.log(
            f"{label:<58} median {result.median:9.1f} ms   p95 {result.p95:9.1f} ms   n={len(result.times)}"
            f"   again {statistics.median(result.warm) * 1000:7.1f} ms"
        )
        return result

    def measure_export(self):
        """The JSON Lines export of every published document, once, read as a client would: its
        time and Python's peak memory (tracemalloc) after a quarter of the lines and after the
        last, which constant memory keeps level. Stopped after 5 × budget seconds (the time then
        is for the part read)."""
        path, limit = "/api/v1/documents/export.jsonl", self.budget * 5
        total = Document.objects.published().count()
        lines, peak_quarter, complete = 0, None, True
        tracemalloc.start()
        started = time.perf_counter()
        try:
            response = self.client.get(path)
            for _ in response.streaming_content:
                lines += 1
                if lines == total // 4:
                    peak_quarter = tracemalloc.get_traced_memory()[1]
                if time.perf_counter() - started > limit:
                    complete = False
                    break
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        response.close()
        export = {
            "path": path,
            "lines": lines,
            "total": total,
            "seconds": time.perf_counter() - started,
            "peak_quarter": peak_quarter,
            "peak": peak,
            "complete": complete,
        }
        self.log(export_text(export))
        return export

    def measure_raw(self, word, label):
        """The engine's match and count alone, for the word: the floor under every search page."""
        search = Search(Criteria(parse_query(word)))
        result = Result(f"raw-{word}", label, f"count of q={word} in the search index")

        def call():
            result.note = f"{search.count():,} matches"

        self._repeat(call, result)
        self.log(f"{label:<58} median {result.median:9.1f} ms   p95 {result.p95:9.1f} ms   ({result.note})")
        return result


def export_text(export):
    rate = export["lines"] / export["seconds"] if export["seconds"] else 0
    quarter = ""
    if export["peak_quarter"] is not None:
        quarter = f"{export['peak_quarter'] / 2**20:.1f} MiB after the first quarter, "
    read = (
        f"all {export['lines']:,} documents"
        if export["complete"]
        else f"{export['lines']:,} of {export['total']:,} documents (stopped at the time limit)"
    )
    return (
        f"JSON Lines export ({export['path']}): {read} in {ms(export['seconds'] * 1000)} "
        f"({rate:,.0f} documents/s, under tracemalloc); Python's peak memory {quarter}"
        f"{export['peak'] / 2**20:.1f} MiB at the end"
    )


def ms(value):
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms"


def pick_document():
    """A published synthetic document from the middle of the corpus that has related documents."""
    middle = RECORD_ID_BASE + Document.objects.published().filter(record_id__gt=RECORD_ID_BASE).count() // 2
    relation = (
        Relation.objects.filter(source__record_id__gte=middle, source__status="published", target__status="published")
        .order_by("source__record_id")
        .select_related("source")
        .first()
    )
    return relation.source if relation else Document.objects.published().order_by("record_id").last()

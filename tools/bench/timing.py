"""Server-side timing of the public pages on a synthetic corpus (tools/corpus/).

`python -m bench` (and `make bench`, which first makes the corpora) requests each page
with Django's test Client in the same process (no network, no server), a few times to warm up
and then repeatedly, and reports the median and 95th percentile. Beside the pages it times the
search engine's match and count alone, so that the cost of
everything else (facets, ranking, paging, rendering) shows as a ratio.

Each run replaces its database's section of docs/benchmarks.md (between markers) and the machine
description, and keeps everything else in the file, so notes written there survive a new run.
"""

import math
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from corpus.generator import COMMON_WORD, RARE_WORD, RARE_WORD_DOCUMENTS, RECORD_ID_BASE, frequent_values
from documents.models import Document, Relation
from documents.search import Criteria, Search, parse_query
from documents.search.pages import MAX_RESULTS
from documents.search.searching import kept

DATE_FROM, DATE_TO = "1945", "1962"
WARM_RUNS = 10

# The search engine issue's targets (median, 95th percentile) in milliseconds, per database; None: no
# target. SQLite's are relative (faster than Datasette on every query): the side-by-side measures them.
TARGETS = {
    "sqlite": {},
    "postgresql": {
        "list": (15, None, "first list page under 15 ms median"),
        "document": (10, None, "one document under 10 ms median"),
        "common": (100, 300, "common word with all facets: 100 ms median, 300 ms p95"),
        "filters": (50, None, "type + language + donor + date, all facets, under 50 ms median"),
        "person": (50, None, "person page under 50 ms median"),
        "deep": (50, None, "page 500 of a filtered list under 50 ms median"),
    },
}


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
        f"JSON Lines export ({export['path']}): {read} in {_ms(export['seconds'] * 1000)} "
        f"({rate:,.0f} documents/s, under tracemalloc); Python's peak memory {quarter}"
        f"{export['peak'] / 2**20:.1f} MiB at the end"
    )


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


def describe_corpus():
    synthetic = Document.objects.filter(record_id__gt=RECORD_ID_BASE)
    first = synthetic.order_by("record_id").values_list("rights", flat=True).first() or ""
    seed = re.search(r"--seed (\d+)", first)
    info = {
        "documents": synthetic.filter(status=Document.Status.PUBLISHED).count(),
        "drafts": synthetic.filter(status=Document.Status.DRAFT).count(),
        "other": Document.objects.filter(record_id__lte=RECORD_ID_BASE).count(),
        "seed": seed.group(1) if seed else "?",
        "vendor": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["version"] = "PostgreSQL " + cursor.fetchone()[0].split()[0]
            cursor.execute("SELECT current_database(), pg_database_size(current_database())")
            name, size = cursor.fetchone()
            info["database"] = f"database `{name}`, {size / 2**30:.1f} GB"
            for setting in ("shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather"):
                cursor.execute(f"SHOW {setting}")
                info.setdefault("settings", []).append(f"{setting}={cursor.fetchone()[0]}")
        else:
            info["version"] = f"SQLite {sqlite3.sqlite_version}"
            path = Path(settings.DATABASES["default"]["NAME"])
            size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
            info["database"] = f"file `{path.name}`, {size / 2**30:.1f} GB"
            info["settings"] = []
    return info


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kb / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
    }


# ---------------------------------------------------------------------------------------------
# Reporting


def verdict(result, target):
    """(text) whether the result meets the target, and by how much."""
    median_limit, p95_limit, _ = target
    parts, met = [], True
    for name, value, limit in (("median", result.median, median_limit), ("p95", result.p95, p95_limit)):
        if limit is None:
            continue
        if value <= limit:
            parts.append(f"{name} met ({_ms(limit - value)} to spare)")
        else:
            met = False
            parts.append(f"{name} **missed** by {_ms(value - limit)} ({value / limit:.1f}× the {_ms(limit)} target)")
    return met, "; ".join(parts)


def _ms(value):
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms"


def section(corpus, values, results, raw, bench):
    vendor = corpus["vendor"]
    title = "SQLite" if vendor == "sqlite" else "PostgreSQL"
    lines = [
        f"## {title}, {corpus['documents']:,} documents",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {corpus['version']}, {corpus['database']}"
        + (f" ({', '.join(corpus['settings'])})" if corpus["settings"] else "")
        + ".",
        "",
        f"Corpus: `python -m corpus --documents {corpus['documents']} --seed {corpus['seed']}`: "
        f"{corpus['documents']:,} published documents and {corpus['drafts']:,} drafts"
        + (f", plus {corpus['other']:,} other documents" if corpus["other"] else "")
        + ". "
        f"Filters use the most frequent values: type `{values['type']}`, language `{values['language']}`, "
        f"donor `{values['donor']}`, person `{values['person']}`; dates {DATE_FROM} to {DATE_TO}.",
        "",
        f"Each page was requested {bench.warmup} times to warm up (once if slow), then timed {bench.repeat} times "
        f"(or, for slow pages, as often as fits in {bench.budget:.0f} s, at least {min(5, bench.repeat)} times); "
        "n is the number of timed runs. p95 is the nearest-rank 95th percentile (with fewer than 20 runs, "
        "the slowest run).",
        "Each timed run counts afresh, as the first request for it since the index's last commit: what the "
        "search engine's process counted for the page's question is forgotten before each run. \"Asked again\" "
        f'is the median of {WARM_RUNS} more runs that keep it (docs/search.md, "Kept counts"): what every '
        "later reader of the same page gets until the next commit.",
        "",
        "| what | path | median | p95 | n | asked again | SQL queries | target (issue) | result |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    targets = TARGETS.get(vendor, {})
    summary = []
    for result in results:
        target = targets.get(result.key)
        if target:
            met, text = verdict(result, target)
            summary.append((result, target, met, text))
            goal = target[2]
        else:
            goal, text = "none stated", ""
        lines.append(
            f"| {result.label} | `{result.path}` | {_ms(result.median)} | {_ms(result.p95)} | {len(result.times)} "
            f"| {_ms(statistics.median(result.warm) * 1000)} | {result.queries} | {goal} | {text} |"
        )
    lines += [
        "",
        "The search engine's match and count alone, for the rest's share:",
        "",
        "| what | median | p95 | matches | page median ÷ match median |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    pages = {result.key: result for result in results}
    for result, page_key in zip(raw, ("common", "rare"), strict=True):
        ratio = pages[page_key].median / result.median if result.median else float("inf")
        lines.append(
            f"| {result.label} | {_ms(result.median)} | {_ms(result.p95)} | {result.note.split()[0]} | {ratio:,.0f}× |"
        )
    lines += [""]
    if getattr(bench, "export", None):
        lines += [export_text(bench.export) + ".", ""]
    lines += ["Slowest SQL statements of one request each (time as measured by Django's debug cursor):", ""]
    for result in results:
        lines.append(f"- {result.label}: {result.queries} queries" + (f"; {result.note}" if result.note else ""))
        for seconds, sql in result.slowest:
            lines.append(f"  - {seconds * 1000:.1f} ms: `{_shorten(sql)}`")
    lines.append("")
    missed = [result for result, _, met, _ in summary if not met]
    listed = "; ".join(f"{result.label} ({_ms(result.median)})" for result in missed)
    met = len(summary) - len(missed)
    lines.append(f"Targets: {met} of {len(summary)} met" + (f"; missed: {listed}." if missed else "."))
    return "\n".join(lines)


def text_table(corpus, results, raw):
    """The results as a plain-text table, for the terminal."""
    targets = TARGETS.get(corpus["vendor"], {})
    rows = [("what", "median", "p95", "n", "queries", "target")]
    for result in results:
        target = targets.get(result.key)
        rows.append(
            (
                result.label,
                _ms(result.median),
                _ms(result.p95),
                str(len(result.times)),
                str(result.queries),
                ("met" if verdict(result, target)[0] else "MISSED") if target else "",
            )
        )
    for result in raw:
        rows.append((result.label, _ms(result.median), _ms(result.p95), str(len(result.times)), "1", result.note))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{corpus['version']}, {corpus['documents']:,} documents"]
    for row in rows:
        lines.append(
            "  ".join(
                cell.ljust(w) if i in (0, 5) else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def _shorten(sql, limit=400):
    sql = " ".join(sql.split()).replace("`", "'").replace("\ue000", "\\ue000").replace("\ue001", "\\ue001")
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


HEADER = """# Benchmarks

`make bench` writes the sections between the markers below (code in `tools/bench/`); the rest of this
file is kept as it is.
"""

HOW = """Server-side time: each page is requested with Django's test Client inside the benchmark
process (no network, no HTTP server), with `DEBUG` off and one persistent database connection.
The time runs from the request to the complete response (URL routing, middleware, view, all
SQL, template rendering). The application cache is off: the benchmark sets the `DummyCache`
backend (so the API's throttle, which keeps its counts in the cache, counts nothing). Corpora come from
`python -m corpus` (tools/corpus/): deterministic, Zipf-skewed, dates 1917–1991
weighted to the early Cold War, texts of 300–3,000 words; the common word `{common}` is in about
half the documents, the rare word `{rare}` in exactly {rare_count}."""


def write_markdown(path, corpus, values, results, raw, bench):
    info = machine()
    machine_text = (
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, {info['system']}, "
        f"Python {info['python']}, SQLite {info['sqlite']} (Python's sqlite3)."
        + "\n\n"
        + HOW.format(common=COMMON_WORD, rare=RARE_WORD, rare_count=RARE_WORD_DOCUMENTS)
    )
    update_markdown(
        path,
        {"bench:machine": machine_text, f"bench:{corpus['vendor']}": section(corpus, values, results, raw, bench)},
    )


def update_markdown(path, sections):
    """Replace each section (marker name → text) of the markdown file between its markers, keeping the
    rest of the file; a section not there yet is added at the end."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    for name, body in sections.items():
        text = _replace(text, name, body)
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def _replace(text, name, body):
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        return before + block + rest.split(end, 1)[1]
    return text.rstrip() + "\n\n" + block + "\n"

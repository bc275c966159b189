"""The page benchmarks' report: the targets and whether each page met its own, the plain-text table for
the terminal, and this database's section of docs/benchmarks.md with the machine description."""

import statistics
import time

from corpus.spec import COMMON_WORD, RARE_WORD, RARE_WORD_DOCUMENTS

from .environment import machine
from .markdown import update_markdown
from .timing import DATE_FROM, DATE_TO, WARM_RUNS, export_text, ms

# The search engine issue's targets (median, 95th percentile) in ms, per database; None: no
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


def verdict(result, target):
    """(text) whether the result meets the target, and by how much."""
    median_limit, p95_limit, _ = target
    parts, met = [], True
    for name, value, limit in (("median", result.median, median_limit), ("p95", result.p95, p95_limit)):
        if limit is None:
            continue
        if value <= limit:
            parts.append(f"{name} met ({ms(limit - value)} to spare)")
        else:
            met = False
            parts.append(f"{name} **missed** by {ms(value - limit)} ({value / limit:.1f}× the {ms(limit)} target)")
    return met, "; ".join(parts)


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
            f"| {result.label} | `{result.path}` | {ms(result.median)} | {ms(result.p95)} | {len(result.times)} "
            f"| {ms(statistics.median(result.warm) * 1000)} | {result.queries} | {goal} | {text} |"
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
            f"| {result.label} | {ms(result.median)} | {ms(result.p95)} | {result.note.split()[0]} | {ratio:,.0f}× |"
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
    listed = "; ".join(f"{result.label} ({ms(result.median)})" for result in missed)
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
                ms(result.median),
                ms(result.p95),
                str(len(result.times)),
                str(result.queries),
                ("met" if verdict(result, target)[0] else "MISSED") if target else "",
            )
        )
    for result in raw:
        rows.append((result.label, ms(result.median), ms(result.p95), str(len(result.times)), "1", result.note))
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

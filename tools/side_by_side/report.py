"""The results: a table for the terminal and a section of docs/benchmarks.md between its markers
(the rest of the file is kept, as tools/bench/ keeps it)."""

import math
import os
import platform
import sqlite3
import statistics
import time
from pathlib import Path

MARKER = "bench:side-by-side"


def percentile(values, fraction):
    """Nearest-rank percentile (0.95 for the 95th) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def ms(seconds):
    value = seconds * 1000
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def stats(side):
    """(median, p95, pages per second) of one server in one cell; None when nothing succeeded."""
    if not side.times:
        return None
    rate = len(side.times) / side.wall if side.wall else 0.0
    return statistics.median(side.times), percentile(side.times, 0.95), rate


def ratio(cell):
    ours, peer = stats(cell.ours), stats(cell.peer)
    if not ours or not peer or not peer[0]:
        return None
    return ours[0] / peer[0]


def ratio_text(value):
    return "n/a" if value is None else f"{value:.2f}×"


def row(cell):
    ours, peer = stats(cell.ours), stats(cell.peer)

    def cells(s):
        return [ms(s[0]), ms(s[1]), f"{s[2]:.1f}"] if s else ["failed", "", ""]

    errors = len(cell.ours.errors) + len(cell.peer.errors)
    return [
        cell.query.label,
        cell.fmt.upper(),
        str(cell.clients),
        *cells(ours),
        *cells(peer),
        ratio_text(ratio(cell)),
        f"{len(cell.ours.times)}/{len(cell.peer.times)}",
        str(errors) if errors else "",
    ]


HEADINGS = ["query", "format", "clients", "ours median", "ours p95", "ours pages/s", "Datasette median",
            "Datasette p95", "Datasette pages/s", "ours ÷ Datasette", "n (ours/Datasette)", "errors"]  # fmt: skip


def cell_summary(cell):
    ours, peer = stats(cell.ours), stats(cell.peer)
    parts = [f"{cell.query.label} [{cell.fmt}, {cell.clients} client{'s' if cell.clients > 1 else ''}]:"]
    parts.append(f"ours {ms(ours[0])} median, {ms(ours[1])} p95" if ours else "ours failed")
    parts.append(f"Datasette {ms(peer[0])} median, {ms(peer[1])} p95" if peer else "Datasette failed")
    parts.append(f"ratio {ratio_text(ratio(cell))}")
    errors = cell.ours.errors + cell.peer.errors
    if errors:
        parts.append(f"{len(errors)} errors, e.g. {errors[0]}")
    return "  ".join(parts)


def text_table(cells):
    rows = [HEADINGS] + [row(cell) for cell in cells]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADINGS))]
    return "\n".join(
        "  ".join(
            value.ljust(w) if i < 2 else value.rjust(w) for i, (value, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    )


def rss_text(rss):
    """rss: {server name: {pid: KiB}}."""
    parts = []
    for name, pids in rss.items():
        each = ", ".join(f"{kib / 1024:.0f} MiB" for kib in pids.values())
        parts.append(f"{name}: {each}" + (f" ({sum(pids.values()) / 1024:.0f} MiB together)" if len(pids) > 1 else ""))
    return "; ".join(parts)


def markdown(run, cells):
    """The section for docs/benchmarks.md. run: a dict of what the run was (see __main__)."""
    lines = [
        f"## Side by side with Datasette, SQLite, {run['documents']:,} documents",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC by `make side-by-side` "
        f"(`tools/side_by_side/`, also run by `make bench`) on `{run['source']}`, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}.",
        "",
        f"- Ours: {run['ours']}.",
        f"- Datasette: {run['peer']}. It serves its own copy of the file, with an FTS5 table over "
        "title, summary and text (Porter stemming, unicode61, diacritics folded).",
        f"- Load: {run['load']}.",
        f"- Peak resident memory after the run (VmHWM): {rss_text(run['rss'])}.",
        "",
        "Each row is one query at a number of concurrent clients (closed loop: a client sends its next "
        "request when its last is answered), measured interleaved in one run: blocks of requests to one server "
        "then the same requests to the other, alternating which goes first. Times are per page as a reader gets "
        "it; a Datasette list page with our facets is its table page plus the canned facet query, requested "
        "one after the other and timed together. p95 is the nearest-rank 95th percentile. "
        "ours ÷ Datasette compares the medians (under 1: ours is faster).",
        "",
        "| " + " | ".join(HEADINGS) + " |",
        "| --- | --- | " + " | ".join(["---:"] * (len(HEADINGS) - 2)) + " |",
    ]
    lines += ["| " + " | ".join(row(cell)) + " |" for cell in cells]
    lines += ["", "Both select the same documents (our API's `count`, Datasette's `filtered_table_rows_count`, "
              "for the first variant of each list) and page alike:", "", "| what | ours | Datasette |",
              "| --- | ---: | ---: |"]  # fmt: skip
    lines += [f"| {what} | {ours} | {peer} |" for what, ours, peer in run["counts"]]
    lines += ["", "Variants each query cycles through, and one of each as requested:", ""]
    for query in run["queries"]:
        variant = query.variants[0]
        lines.append(f"- {query.label} (variants: {len(query.variants)}): ours "
                     + ", ".join(f"`{p}`" for fmt in ("html", "json") for p in variant.ours[fmt])
                     + "; Datasette " + " + ".join(f"`{p}`" for p in variant.peer["html"])
                     + " (and the same as `.json`)")  # fmt: skip
    lines += ["", "What differs between the two:", ""] + [f"- {note}" for note in run["notes"]]
    return "\n".join(lines)


def update_markdown(path, body, name=MARKER):
    """Replace the section between `<!-- name:start -->` and `<!-- name:end -->`, keeping the rest of
    the file; a section not there yet is added at the end."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text.rstrip() + "\n", encoding="utf-8")

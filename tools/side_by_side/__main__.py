"""Side-by-side benchmark of our app against Datasette over the same SQLite file.

    PYTHONPATH=tools tools/.venv-bench/bin/python -m side_by_side --sqlite bench-100000.sqlite3

(`make side-by-side`, and `make bench` after its own timing.) It serves the file with our app
(gunicorn) and its copy with Datasette, each on a free loopback port, asks both for the same
pages interleaved at each number of clients, prints median and p95 per query and their ratio,
then the peak memory of both, and writes the table into docs/benchmarks.md between the
`bench:side-by-side` markers. It talks to our app over HTTP only and reads the file with sqlite3:
nothing of the app is imported.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from . import peer, queries, report, servers
from .load import Client, Measurement
from .values import read_values

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="side_by_side", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", required=True, type=Path, help="the benchmark's SQLite file (ours)")
    parser.add_argument("--peer-copy", type=Path, help="Datasette's copy (default: <file>-datasette.sqlite3 beside it)")
    parser.add_argument("--app-python", type=Path, default=ROOT / ".venv" / "bin" / "python")
    parser.add_argument("--datasette", type=Path, default=Path(sys.executable).parent / "datasette")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--requests", type=int, default=30, help="pages per query, format, clients and server")
    parser.add_argument("--rounds", type=int, default=3, help="blocks per server that those pages are split into")
    parser.add_argument("--warmup", type=int, default=2, help="untimed pages per query on each server first")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds after which a query stops its rounds")
    parser.add_argument("--workers", type=int, default=1, help="our gunicorn processes (Datasette runs one)")
    parser.add_argument(
        "--threads", type=int, default=peer.SQL_THREADS, help="threads per worker (as Datasette's SQL threads)"
    )
    parser.add_argument("--page-cache", action="store_true", help="keep our page cache on (off by default)")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "benchmarks.md", help="'' to skip")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def log(message):
    print(message, flush=True)


def main(argv=None):
    args = parse_args(argv)
    source = args.sqlite.resolve()
    copy = (args.peer_copy or source.with_name(f"{source.stem}-datasette.sqlite3")).resolve()
    peer.prepare_copy(source, copy, log)
    values = read_values(copy, seed=args.seed)
    log(f"{values.documents:,} documents; {len(values.common_words)} common and {len(values.rare_words)} rare words")
    database = copy.stem
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as log_dir:
        metadata_path = Path(log_dir) / "metadata.json"
        peer.write_metadata(metadata_path, database)
        ours = servers.start_ours(ROOT, args.app_python, source, args.workers, args.threads, log_dir, args.page_cache)
        try:
            datasette = servers.start_datasette(args.datasette, copy, metadata_path, peer.settings(), log_dir)
            try:
                run = measure(args, values, database, copy, ours, datasette)
            finally:
                datasette.stop()
        finally:
            ours.stop()
    run.update(source=args.sqlite.name, documents=values.documents)
    print()
    print(report.text_table(run["cells"]))
    print(f"\nPeak resident memory (VmHWM): {report.rss_text(run['rss'])}")
    print(f"Ours: {run['ours']}\nDatasette: {run['peer']}")
    if str(args.markdown) not in ("", "."):
        report.update_markdown(args.markdown, report.markdown(run, run["cells"]))
        log(f"Wrote the side-by-side section of {args.markdown}")
    failed = sum(len(cell.ours.errors) + len(cell.peer.errors) for cell in run["cells"])
    return 1 if failed else 0


def measure(args, values, database, copy, ours, datasette):
    log(f"ours on port {ours.port}: {ours.description}")
    log(f"Datasette on port {datasette.port}: {datasette.description}")
    query_list = queries.build(values, copy, database)
    ours_client, peer_client = Client(ours), Client(datasette)
    deep = next(query for query in query_list if query.key == "deep")
    started = time.perf_counter()
    queries.resolve_cursors(deep, ours_client.get_json)
    log(f"found our API's cursors for the deep pages in {time.perf_counter() - started:.1f} s")
    counts = check_counts(query_list, ours_client, peer_client)
    measurement = Measurement(ours, datasette, args.requests, args.rounds, args.warmup, args.budget)
    cells = measurement.run(query_list, args.clients, on_cell=lambda cell: log(report.cell_summary(cell)))
    rss = {"ours (gunicorn workers)": ours.peak_rss_kib(), "Datasette": datasette.peak_rss_kib()}
    load = (
        f"{', '.join(map(str, args.clients))} concurrent clients (Python threads, HTTP/1.1 kept alive); per query, "
        f"format and number of clients {args.warmup} untimed pages on each server, then up to {args.rounds} "
        f"rounds of max({-(-args.requests // args.rounds)}, 3 × clients) pages on each (fewer rounds once a query "
        f"has taken {args.budget:.0f} s)"
    )
    return {
        "cells": cells,
        "counts": counts,
        "rss": rss,
        "queries": query_list,
        "ours": ours.description + ", make serve's settings (debug off, plain HTTP, hashed static files)",
        "peer": datasette.description,
        "load": load,
        "notes": notes(args),
    }


def check_counts(query_list, ours_client, peer_client):
    """(what, ours, Datasette's) for the first variant of each list: the numbers of matching
    documents, and for the deep page the record ID it starts with (both go there by keyset)."""
    counts = []
    for query in query_list:
        variant = query.variants[0]
        if variant.counts:
            ours_path, peer_path = variant.counts
            ours = ours_client.get_json(ours_path)["count"]
            theirs = peer_client.get_json(peer_path)["filtered_table_rows_count"]
            counts.append((f"{query.label}: documents", ours, theirs))
        elif variant.deep:
            ours = ours_client.get_json(variant.ours["json"][0])["results"][0]["record_id"]
            page = peer_client.get_json(variant.peer["json"][0])
            first = page["rows"][0]  # a dict with ?_labels=on, else a list in the order of columns
            theirs = first["record_id"] if isinstance(first, dict) else first[page["columns"].index("record_id")]
            counts.append((f"{query.label}: first record ID of page {variant.deep[1]}", ours, theirs))
    for what, ours, theirs in counts:
        if ours != theirs:
            log(f"warning: {what}: ours {ours}, Datasette {theirs}")
    return counts


def notes(args):
    cache = (
        "Our page cache (facet counts and page fragments) is on, as in production."
        if args.page_cache
        else "Our page cache is off (PAGE_CACHE_TIMEOUT=0), so that the one first list page is built every time "
        "as Datasette builds it; the other queries cycle through many values anyway."
    )
    return [
        f"Processes: one each. Ours runs {args.workers} gunicorn worker{'s' if args.workers > 1 else ''} with "
        f"{args.threads} threads each; Datasette runs its SQL in a pool of {peer.SQL_THREADS} threads "
        "(`num_sql_threads`, its default) beside its event loop. `--workers` and `--threads` change ours "
        "(`make serve` runs 3 sync workers).",
        cache,
        "Our facets count each facet as if its own selection were cleared, and above 10,000 documents count an "
        "evenly spread sample (approximate counts); Datasette counts exactly, within the selection.",
        "Our search ranks by relevance; Datasette's table search keeps the table's order (date, newest first).",
        "Datasette's list rows are the document's own columns that our list shows (`?_col=`, the type by "
        "name), without the languages and authors that ours also shows; its document page is its row page "
        "(every column, plus counts of the rows that link to it); ours shows the document with its people, "
        "terms, related documents and scans.",
        "Page 500: our HTML list goes there by offset (pages stop at 10,000 results); our API and Datasette "
        "by keyset (`cursor`, `_next`). A type with fewer than 10,000 documents gives its last page.",
        "A person's documents: ours is the person's page (documents by role, timeline, correspondents), "
        "or the API filtered by the person with all facets; Datasette's is its table filtered through "
        "documents_documentperson, with the canned facet query.",
        "Datasette filters on a linked table (language, donor, person) with `?_where=` and a subquery: its "
        "`?_through=` names its parameter `p0` whatever other filters there are, so next to a column filter "
        "it selects nothing (0.65.5).",
        "Our API's anonymous rate limit is raised for the run (one client address sends every request); "
        "its counts still go to the database cache, as in `make serve`.",
    ]


if __name__ == "__main__":
    sys.exit(main())

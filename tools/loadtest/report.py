"""The load test's report: a line per phase for the terminal, a sample of the errors, and the load-test
section of docs/benchmarks.md (between `<!-- loadtest:start -->` and `<!-- loadtest:end -->`)."""

import statistics
import time

from bench.environment import describe_corpus, machine
from bench.markdown import update_markdown
from bench.timing import ms, percentile

from .connection import TIMEOUT
from .workload import LABELS, WEIGHTS


def phase_line(phase):
    times = phase.all_latencies()
    line = f"{phase.name}: {phase.requests:,} requests in {phase.seconds:.0f} s ({phase.throughput:,.1f}/s), "
    line += f"{len(phase.errors)} errors"
    if times:
        line += f", median {ms(statistics.median(times) * 1000)}, p95 {ms(percentile(times, 0.95) * 1000)}"
    return line + f"; curator {len(phase.edits)} edits, {len(phase.edit_errors)} errors"


def error_sample(phases, limit=10):
    lines = []
    for phase in phases:
        lines += [f"{phase.name}: {kind} {path}: {what}" for kind, path, what in phase.errors[:limit]]
        lines += [f"{phase.name}: curator: {what}" for what in phase.edit_errors[:limit]]
    return lines


def section(phases, lost, server, workload, curator):
    corpus, info = describe_corpus(), machine()
    lines = [
        f"## Load test: gunicorn and PostgreSQL, {corpus['documents']:,} documents",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC with `make loadtest` "
        f"(code in `tools/loadtest/`): {server}, {corpus['version']}, "
        f"{corpus['database']}. Machine: {info['cores']} cores ({info['cpu']}), {info['memory']} RAM, "
        f"Python {info['python']}. The load generator (one process, a thread and an HTTP connection per "
        "client) runs on the same machine and competes with the server for its cores. The table gives the "
        "CPU time that gunicorn's processes, PostgreSQL (the whole server, other databases' work included) "
        "and the load generator used, in cores (CPU seconds per second); how busy the machine's CPUs were "
        "with anything; and the 1-minute load average at the end of the phase.",
        "",
        f"Readers request a weighted mix of {sum(len(urls) for urls in workload.urls.values()):,} URLs "
        "picked from the database before the run, every one of which must answer 200 (any other status, "
        f"a connection error or a wait over {TIMEOUT:.0f} s is an error): "
        + "; ".join(f"{LABELS[kind]} {WEIGHTS[kind]}% ({_urls(len(workload.urls[kind]))})" for kind in workload.kinds())
        + f". Meanwhile one curator edits through the API with a staff token, {curator.interval:g} s "
        "between edits: it reads a document for its ETag and appends a numbered marker to its summary "
        f"with If-Match ({len(workload.edited)} published documents in turn), and every "
        f"{curator.draft_every}th edit publishes or unpublishes one of {len(workload.drafts)} drafts. "
        "After the phases every acknowledged edit is looked for in the database (lost edits), then "
        "the edits are undone. Each phase starts right after the previous one (the first after an "
        "unrecorded warm-up) and lasts until the requests in flight at its end have answered (seconds, and "
        "throughput is requests ÷ seconds); latencies are from sending the request to the last byte of the "
        "response, p95 is the nearest-rank 95th percentile.",
        "",
        "| clients | seconds | requests | errors | throughput | median | p95 | max | curator edits | "
        "edit p95 | edit errors | stale ETags | gunicorn CPU | PostgreSQL CPU | generator CPU | machine busy "
        "| load average |",
        "|" + " ---: |" * 17,
    ]
    for phase in phases:
        times = phase.all_latencies() or [0.0]
        edit_p95 = ms(percentile(phase.edits, 0.95) * 1000) if phase.edits else "–"
        lines.append(
            f"| {phase.clients} | {phase.seconds:.0f} | {phase.requests:,} | {len(phase.errors)} "
            f"| {phase.throughput:,.1f}/s | {ms(statistics.median(times) * 1000)} "
            f"| {ms(percentile(times, 0.95) * 1000)} | {ms(max(times) * 1000)} "
            f"| {len(phase.edits)} ({len(phase.edits) / phase.seconds:.2f}/s) | {edit_p95} "
            f"| {len(phase.edit_errors)} | {phase.stale_etags} | {_cores(phase.server_cpu, phase.seconds)} "
            f"| {_cores(phase.database_cpu, phase.seconds)} "
            f"| {_cores(phase.cpu, phase.seconds)} | {'–' if phase.busy is None else f'{phase.busy:.0%}'} "
            f"| {phase.load:.1f} |"
        )
    lines += ["", "Per kind of request (median / p95 / max, and how many):", ""]
    lines.append("| kind | " + " | ".join(f"{phase.clients} clients" for phase in phases) + " |")
    lines.append("| --- |" + " ---: |" * len(phases))
    for kind in workload.kinds():
        cells = []
        for phase in phases:
            times = phase.latencies.get(kind)
            errors = sum(1 for k, _, _ in phase.errors if k == kind)
            cells.append(
                f"{ms(statistics.median(times) * 1000)} / {ms(percentile(times, 0.95) * 1000)} / "
                f"{ms(max(times) * 1000)} (n={len(times):,}{f', {errors} errors' if errors else ''})"
                if times
                else f"– ({errors} errors)"
            )
        lines.append(f"| {LABELS[kind]} | " + " | ".join(cells) + " |")
    errors = sum(len(phase.errors) + len(phase.edit_errors) for phase in phases)
    lines += [
        "",
        f"Result: {errors} errors, {len(lost)} lost edits"
        + (" (zero errors, no lost edit)" if not errors and not lost else "")
        + f"; stale reads (a curator's read without one of its acknowledged edits): "
        f"{sum(p.stale_reads for p in phases)}; anonymous page checks after the curator's saves (a 404 once "
        f"unpublished, the new text once edited, through the page cache): {sum(p.public_checks for p in phases)}, "
        "each wrong answer counted as an error."
        + "".join(f"\n- {line}" for line in (error_sample(phases) + lost)[:20]),
        "",
        "To run it again: `make loadtest` (it creates the database `archive_loadtest` if missing, migrates "
        "it, generates the corpus once, collects the static files, makes the curator's account and token, "
        'starts gunicorn on a free port and stops it at the end). `make loadtest LOADTEST_CLIENTS="4 8" '
        "LOADTEST_SECONDS=10` is a quick run; `LOADTEST_WORKERS`, `LOADTEST_DOCS` and `LOADTEST_WARMUP` "
        "change the rest. It exits non-zero on any error or lost edit.",
    ]
    return "\n".join(lines)


def _urls(count):
    return f"{count:,} URL" + ("" if count == 1 else "s")


def _cores(seconds, elapsed):
    return "–" if seconds is None else f"{seconds / elapsed:.2f} cores"


def write_markdown(path, text):
    update_markdown(path, {"loadtest": text})

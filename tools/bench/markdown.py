"""Sections of a markdown file between `<!-- name:start -->` and `<!-- name:end -->` markers, replaced
by a new run while the rest of the file is kept: the benchmarks', the load test's (docs/benchmarks.md)
and the drills' (docs/reliability.md)."""

from pathlib import Path

HEADER = """# Benchmarks

`make bench` writes the sections between the markers below (code in `tools/bench/`); the rest of this
file is kept as it is.
"""


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

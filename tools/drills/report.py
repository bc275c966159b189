"""The drills' results and docs/reliability.md: a result per drill (its steps and what it measured), the
machine they ran on, and their section of the file between the `drills` markers."""

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.markdown import update_markdown
from documents.ops.servers import ROOT

DOCS = ROOT / "docs" / "reliability.md"


@dataclass
class Result:
    name: str
    title: str
    passed: bool = False
    steps: list = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    seconds: float = 0.0

    def step(self, text):
        self.steps.append(text)


def machine_description(stack):
    parts = [f"{platform.node()}: {os.cpu_count()} cores, {platform.system()} {platform.release()}"]
    parts.append(f"Python {platform.python_version()}")
    if stack is not None:
        parts += [stack.postgres.version(), stack.redis.version()]
    return ", ".join(parts)


def markdown(results, machine):
    lines = [
        f"Last run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}.",
        "",
        "| drill | result | time |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {result.title} | {'pass' if result.passed else '**FAIL**'} | {result.seconds:.0f} s |" for result in results
    ]
    for result in results:
        lines += ["", f"### {result.title}: {'pass' if result.passed else 'FAIL'}", ""]
        lines += [f"{number}. {step}" for number, step in enumerate(result.steps, start=1)]
        if result.numbers:
            lines += ["", "| measured | value |", "| --- | --- |"]
            lines += [f"| {key} | {str(value).replace('|', '/')} |" for key, value in result.numbers.items()]
    return "\n".join(lines)


def write_docs(results, machine, path=DOCS):
    update_markdown(path, {"drills": markdown(results, machine)})

"""The report of an import: what each row did, or would do, and the counts."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import ngettext

from .format import DOCUMENT, KINDS

# The report keeps this many rows for display (errors first); the counts are always complete.
REPORT_ROWS = 1000


@dataclass
class RowResult:
    row: int
    kind: str
    label: str
    status: str  # created, updated, unchanged or error
    changed: list = field(default_factory=list)  # the columns that changed
    errors: list = field(default_factory=list)  # (column, reason); column "" for the row as a whole

    @property
    def record_id(self):
        return self.label.split(":", 1)[0] if self.kind == DOCUMENT else ""


@dataclass
class ImportReport:
    """What an import did, or would do: per row, and in total."""

    file_name: str
    file_format: str = ""
    dry_run: bool = True
    committed: bool = False
    counts: Counter = field(default_factory=Counter)  # documents: created, updated, unchanged
    other_counts: dict = field(default_factory=lambda: defaultdict(Counter))  # kind → created/updated/unchanged
    error_rows: int = 0
    rows: list = field(default_factory=list)  # RowResult, up to REPORT_ROWS
    rows_left_out: int = 0
    new_records: list = field(default_factory=list)  # (kind, name, row): created because a row named them
    # (name as written, "Name <slug>", how, row): each name in documents' people columns that names a
    # person already in the archive (how: by name, name without accents, sort name or alias), once.
    matched_people: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    batch: Any = None

    @property
    def has_errors(self):
        return bool(self.error_rows or self.file_errors)

    @property
    def summary(self):
        """The summary line: how many documents were (or would be) created, updated, unchanged, and rows in error."""
        errors = self.error_rows + len(self.file_errors)
        return (
            f"{self.counts['created']} created, {self.counts['updated']} updated, "
            f"{self.counts['unchanged']} unchanged, "
            + ngettext("%(count)d error", "%(count)d errors", errors)
            % {"count": errors}
        )

    @property
    def other_summary(self):
        """People, donors, collections and terms, e.g. "person: 3 created, 1 unchanged"."""
        parts = []
        for kind in KINDS:
            counts = self.other_counts.get(kind)
            if counts:
                done = ", ".join(f"{counts[s]} {s}" for s in ("created", "updated", "unchanged") if counts[s])
                parts.append(f"{kind}: {done}")
        return "; ".join(parts)

    @property
    def errors(self):
        """(row, column, reason) for every error kept in the report."""
        found = [("", "", message) for message in self.file_errors]
        for result in self.rows:
            found += [(result.row, column, reason) for column, reason in result.errors]
        return found

    def add(self, result):
        if result.status == "error":
            self.error_rows += 1
        elif result.kind == DOCUMENT:
            self.counts[result.status] += 1
        else:
            self.other_counts[result.kind][result.status] += 1
        if len(self.rows) < REPORT_ROWS:
            self.rows.append(result)
        elif result.status == "error":
            # Errors matter more than the rows that went well: they push those out.
            for index in range(len(self.rows) - 1, -1, -1):
                if self.rows[index].status != "error":
                    del self.rows[index]
                    self.rows.append(result)
                    break
            self.rows_left_out += 1
        else:
            self.rows_left_out += 1

    def fail(self, row, status, label, column, reason):
        """A document row reported as created or updated turned out to fail (its relations, written last)."""
        result = next((result for result in self.rows if result.row == row), None)
        if result is None:  # a row left out of the report: errors are always shown
            result = RowResult(row, DOCUMENT, label, status)
            self.rows.append(result)
            self.rows_left_out -= 1
        if result.status != "error":
            if result.kind == DOCUMENT:
                self.counts[result.status] -= 1
            self.error_rows += 1
            result.status = "error"
        result.errors.append((column, reason))

    def sorted_rows(self):
        return sorted(self.rows, key=lambda result: result.row)

"""Reading an import file: its format (CSV or JSON Lines), its rows one at a time as a stream, and
each cell as the Python value its column's type says (format.py)."""

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import NamedTuple

from django.utils.translation import ngettext

from ..text import normalize_text
from .format import (
    BY_NAME,
    DOCUMENT,
    INT,
    KIND_COLUMNS,
    LINE,
    LIST,
    TEXT,
    FileFormatError,
    normalise_newlines,
    unescape_cell,
)


def detect_format(name, head):
    """ "csv" or "jsonl", from the file name, else from its first bytes."""
    suffix = Path(name or "").suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{") else "csv"


class RawRow(NamedTuple):
    number: int  # as a spreadsheet numbers it (the CSV header is row 1), or the line of a JSON Lines file
    cells: dict  # column name → the cell as read (a string in CSV, any JSON value in JSON Lines)


def _text_stream(binary):
    # utf-8-sig drops a byte order mark; newline="" leaves line ends to the csv module.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def read_rows(binary, fmt):
    """Yield the file's rows one at a time. FileFormatError if the file cannot be read."""
    try:
        yield from (_read_csv(binary) if fmt == "csv" else _read_jsonl(binary))
    except UnicodeDecodeError:
        raise FileFormatError("The file is not UTF-8 text: save it as UTF-8 (with or without BOM).") from None


def _read_csv(binary):
    # Long texts (tens of thousands of characters) exceed the csv module's default cell limit.
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    reader = csv.reader(_text_stream(binary))
    try:
        header = next(reader)
    except StopIteration:
        raise FileFormatError("The file is empty.") from None
    except csv.Error as error:
        raise FileFormatError(f"Row 1 cannot be read as CSV: {error}.") from None
    header = [name.strip() for name in header]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t"):
        raise FileFormatError("The header has one column: separate columns with commas, not semicolons or tabs.")
    unknown = [name for name in header if name not in BY_NAME]
    if unknown:
        raise FileFormatError(
            ngettext(
                "Unknown column in the header: %(names)s. The columns are listed in docs/import-format.md.",
                "Unknown columns in the header: %(names)s. The columns are listed in docs/import-format.md.",
                len(unknown),
            )
            % {"names": ", ".join(unknown)}
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise FileFormatError(
            ngettext(
                "Column named twice in the header: %(names)s.",
                "Columns named twice in the header: %(names)s.",
                len(repeated),
            )
            % {"names": ", ".join(repeated)}
        )
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileFormatError(f"Row {number + 1} cannot be read as CSV: {error}.") from None
        number += 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines between rows
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise FileFormatError(f"Row {number} has {len(cells)} cells but the header names {len(header)} columns.")
        cells = (cells + [""] * len(header))[: len(header)]
        yield RawRow(number, dict(zip(header, cells, strict=True)))


def _read_jsonl(binary):
    for number, line in enumerate(_text_stream(binary), start=1):
        if not line.strip():
            continue
        try:
            cells = json.loads(line)
        except json.JSONDecodeError as error:
            raise FileFormatError(f"Line {number} is not JSON: {error.msg} (character {error.colno}).") from None
        if not isinstance(cells, dict):
            raise FileFormatError(f"Line {number} is not a JSON object: each line holds one row as {{...}}.")
        yield RawRow(number, cells)


def _text_value(raw, column):
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValueError("must be text")
    value = unescape_cell(raw)
    if column.type == TEXT:
        return normalise_newlines(value)
    value = value.strip()
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line")
    return normalize_text(value)


def _list_value(raw):
    if raw is None:
        return []
    if isinstance(raw, str):
        unescape_cell(raw)  # the cell's start, as a spreadsheet sees it
        raw = normalise_newlines(raw).split("\n")
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError("must be a list of text items")
    items = []
    for item in raw:
        item = unescape_cell(item)
        if "\n" in item or "\r" in item:
            raise ValueError("an item of a list must be one line")
        if item.strip():
            items.append(normalize_text(item.strip()))
    return items


def int_value(raw):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError("must be a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise ValueError(f"“{raw}” is not a whole number")


TRUE, FALSE = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}


def _bool_value(raw):
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in TRUE | FALSE:
        return raw.strip().lower() in TRUE
    raise ValueError(f"“{raw}” is not true or false")


def parse_cell(column, raw):
    """A cell's value as Python: str, int or None, bool, or a list of str. ValueError says why not."""
    if column.type in (TEXT, LINE):
        return _text_value(raw, column)
    if column.type == LIST:
        return _list_value(raw)
    if column.type == INT:
        return int_value(raw)
    return _bool_value(raw)


def row_kind(cells):
    kind = cells.get("kind")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    return kind or DOCUMENT


def parse_row(kind, cells):
    """(values, errors) for one row: the value of each of its kind's columns that the row has,
    and (column, reason) for each cell that cannot be read, or is filled in a column its kind lacks."""
    values, errors = {}, []
    own = set(KIND_COLUMNS[kind])
    for name, raw in cells.items():
        if name == "kind":
            continue
        column = BY_NAME.get(name)
        if column is None:
            errors.append((name, "is not a column of the format"))
            continue
        if name not in own:
            if raw not in (None, "", [], False):
                errors.append((name, f"is not a column of {kind} rows: leave it empty"))
            continue
        try:
            values[name] = parse_cell(column, raw)
        except ValueError as error:
            errors.append((name, str(error)))
    return values, errors

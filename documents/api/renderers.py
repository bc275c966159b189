"""CSV for lists: one row per result, nested values flattened to text, and no cell that a
spreadsheet would run as a formula (the export's own rule: interchange.format.escape_cell)."""

import csv
import io
import json

from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.settings import api_settings

from ..interchange.format import escape_cell

SEPARATOR = "; "


def label(value):
    """What a nested record reads as in one cell: its name, title or code."""
    if isinstance(value, dict):
        if "document" in value and "wording" in value:  # a related document, worded from this side
            return f"{value['wording']}: {label(value['document'])}"
        for key in ("name", "title", "code", "record_id"):
            if value.get(key) not in (None, ""):
                return str(value[key])
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return cell(value)


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return SEPARATOR.join(label(item) for item in value)
    if isinstance(value, dict):
        return label(value)
    return str(value)


def rows_of(data):
    if isinstance(data, dict) and "results" in data:
        return data["results"]
    if isinstance(data, dict) and "error" in data:
        return [data["error"]]
    return data if isinstance(data, list) else [data]


class CSVRenderer(BaseRenderer):
    """``?format=csv`` or ``Accept: text/csv``: the results of a page (its ``next`` link is in the Link header)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = rows_of(data)
        columns = []
        for row in rows:
            columns += [name for name in row if name not in columns]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([escape_cell(cell(row.get(name))) for name in columns])
        return buffer.getvalue().encode(self.charset)


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's, except that an empty ``?format=`` is an unknown format (404) like any other the view
    does not have, as the schema's enum says, instead of being read as no format at all."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(api_settings.URL_FORMAT_OVERRIDE) == "":
            raise NotFound("Unknown format: choose one the schema lists, or leave out ?format=.")
        return super().select_renderer(request, renderers, format_suffix)

"""Cursor pagination that stays stable while records are added or removed.

A cursor holds the sort values of the last row of a page (a keyset), so the next page starts
strictly after that row, wherever new rows have landed meanwhile: no row is skipped or repeated.
The order is the queryset's own (for documents, DocumentFilter.ordering(), which ends in the
unique record ID); a unique key is added where an order could tie. An order a keyset cannot
follow (relevance, an annotation) pages by offset instead, capped like the HTML list at
pagination.MAX_RESULTS: past it, narrow the search."""

import base64
import binascii
import dataclasses
import hashlib
import json
import re

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, OrderBy, Q
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..search.pages import MAX_RESULTS, cards_of
from ..search.searching import KEYSET, TEXT_KEYED

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Key:
    """One column of the order: a concrete model field, its direction, and where empty values go."""

    def __init__(self, field, descending, nulls_last):
        self.field, self.descending = field, descending
        # SQL's default differs between databases; the orders used here name it where a field may be empty.
        self.nulls_last = bool(nulls_last)

    @property
    def name(self):
        return self.field.name

    def value_of(self, row):
        return getattr(row, self.field.attname)

    def encode(self, value):
        return value.isoformat() if hasattr(value, "isoformat") else value

    def decode(self, value):
        if value is None:
            return None
        try:
            return self.field.to_python(value)
        except ValidationError:
            raise InvalidCursor() from None

    def after(self, value):
        """Rows strictly after value in this column, or None if none can be."""
        if value is None:
            return None if self.nulls_last or not self.field.null else Q(**{f"{self.name}__isnull": False})
        condition = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        if self.nulls_last and self.field.null:
            condition |= Q(**{f"{self.name}__isnull": True})
        return condition

    def equal(self, value):
        return Q(**{f"{self.name}__isnull": True}) if value is None else Q(**{self.name: value})

    def __str__(self):
        return f"{'-' if self.descending else ''}{self.name}{'~' if self.nulls_last else ''}"


class InvalidCursor(serializers.ValidationError):
    def __init__(self, message="This cursor is not valid: start again from the first page."):
        super().__init__({"cursor": [message]}, code="invalid_cursor")


def keys_of(queryset):
    """The queryset's order as Keys ending in a unique one; None if a keyset cannot follow it."""
    model = queryset.model
    items = list(queryset.query.order_by or model._meta.ordering)
    keys = []
    for item in items:
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
            nulls_last = False
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            name, descending, nulls_last = item.expression.name, item.descending, item.nulls_last
        else:
            return None
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return None  # an annotation, e.g. the search rank
        if not field.concrete or field.many_to_many:
            return None
        keys.append(Key(field, descending, nulls_last))
        if field.unique or field.primary_key:
            return keys
    return [*keys, Key(model._meta.pk, False, False)]


def _whole(value):
    """A whole number from 0, as JSON gives it (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class CursorPagination(BasePagination):
    """``?cursor=`` (from the previous page's ``next``) and ``?page_size=`` (1 to 100)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        # ASCII digits only, as the schema's integer: not "", " 5", "+5" nor "5_0", which int() takes.
        size = int(raw) if re.fullmatch(r"[0-9]{1,3}", raw) else 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}, code="invalid"
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        keys = keys_of(queryset)
        order = ",".join(map(str, keys)) if keys else str(queryset.query.order_by)
        self.order_tag = hashlib.sha1(order.encode()).hexdigest()[:8]
        cursor = self.decode_cursor(request)
        if keys is None:
            return self._offset_page(queryset, cursor.get("o", 0) if cursor else 0)
        queryset = queryset.order_by(*[self._order_by(key) for key in keys])
        if cursor is not None:
            values = cursor.get("k")
            if not isinstance(values, list) or len(values) != len(keys):
                raise InvalidCursor()
            queryset = queryset.filter(self._after(keys, [key.decode(v) for key, v in zip(keys, values, strict=True)]))
        rows = list(queryset[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        rows = rows[: self.page_size]
        self.next_cursor = {"k": [key.encode(key.value_of(rows[-1])) for key in keys]} if self.has_next else None
        return rows

    @staticmethod
    def _order_by(key):
        expression = F(key.name)
        if key.nulls_last:
            return expression.desc(nulls_last=True) if key.descending else expression.asc(nulls_last=True)
        return expression.desc() if key.descending else expression.asc()

    @staticmethod
    def _after(keys, values):
        """Rows after the given one in the order: equal on the first i keys and after it on key i."""
        condition = None
        for i, key in enumerate(keys):
            after = key.after(values[i])
            if after is None:
                continue
            for previous, value in zip(keys[:i], values[:i], strict=True):
                after &= previous.equal(value)
            condition = after if condition is None else condition | after
        return Q(pk__in=[]) if condition is None else condition

    def paginate_search(self, search, order, visible, request):
        """A page of what the search index selects, in its order (searching.ORDERS): a keyset cursor
        (the last hit's sort key, which ends in the record ID) where the order has one, else an
        offset, capped at MAX_RESULTS. The page is the cards the index keeps (cards.Card), less any
        `visible` (a visible_to() queryset) no longer holds."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.order_tag = hashlib.sha1(f"search:{order}".encode()).hexdigest()[:8]
        cursor = self.decode_cursor(request) or {}
        if order in KEYSET:
            after, near = cursor.get("k"), cursor.get("o", 0)
            # The key's kind is the order's (text for titles, a number otherwise), and a text key's place
            # among the hits at most MAX_RESULTS: reading up to it costs the engine as much as an offset.
            text = order in TEXT_KEYED
            kind_ok = isinstance(after, str) if text else _whole(after) and after < 2**64
            if (after is not None and not kind_ok) or not _whole(near) or near > MAX_RESULTS:
                raise InvalidCursor()
            page = search.page(order, near if text else 0, self.page_size + 1, after=after)
            self.has_next = len(page.ids) > self.page_size
            self.next_cursor = None
            if self.has_next:
                last = page.keys[self.page_size - 1]
                self.next_cursor = (
                    {"k": last, "o": page.start + self.page_size} if isinstance(last, str) else {"k": last}
                )
            page = dataclasses.replace(page, ids=page.ids[: self.page_size], addresses=page.addresses[: self.page_size])
        else:
            offset = cursor.get("o", 0)
            if not _whole(offset) or offset >= MAX_RESULTS:
                raise InvalidCursor()
            end = min(offset + self.page_size, MAX_RESULTS)
            page = search.page(order, offset, end - offset + 1)
            self.has_next = len(page.ids) > end - offset and end < MAX_RESULTS
            self.next_cursor = {"o": end} if self.has_next else None
            page = dataclasses.replace(page, ids=page.ids[: end - offset], addresses=page.addresses[: end - offset])
        return cards_of(search, page, visible)

    def _offset_page(self, queryset, offset):
        if not _whole(offset) or offset >= MAX_RESULTS:
            raise InvalidCursor()
        end = min(offset + self.page_size, MAX_RESULTS)
        rows = list(queryset[offset : end + 1])
        self.has_next = len(rows) > end - offset and end < MAX_RESULTS
        self.next_cursor = {"o": end} if self.has_next else None
        return rows[: end - offset]

    def encode_cursor(self, cursor):
        text = json.dumps({**cursor, "s": self.order_tag}, separators=(",", ":"), default=str)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode_cursor(self, request):
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            cursor = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise InvalidCursor() from None
        if not isinstance(cursor, dict):
            raise InvalidCursor()
        if cursor.pop("s", None) != self.order_tag:
            raise InvalidCursor("This cursor belongs to another sort order: start again from the first page.")
        return cursor

    def get_next_link(self):
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(self.next_cursor))

    def get_paginated_response(self, data, extra=None):
        next_link = self.get_next_link()
        body = {"next": next_link, **(extra or {}), "results": data}
        headers = {"Link": f'<{next_link}>; rel="next"'} if next_link else None
        return Response(body, headers=headers)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page: follow it as it is (its `cursor` is the server's own).",
                },
                "count": {"type": "integer", "description": "Only with ?count=true."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        # ``cursor`` is not one: a client never writes one, it follows ``next`` (or ``Link``), which
        # carries the cursor the server made, good only for that query and order.
        return [
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]

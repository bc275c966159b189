"""Sets of document ids computed in Python (filters.py, facets.py), handed back to SQL."""

import json

from django.db import connection
from django.db.models.expressions import RawSQL


def among(ids):
    """A subquery over a list of ids sent as one parameter, however long the list (a literal
    IN list would need a parameter per id, past SQLite's limit)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (list(ids),))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(list(ids)),))


def id_set(queryset):
    """The ids a values_list("pk")-style queryset selects, as a set, read straight from the
    cursor: sets of a hundred thousand ids are routine here, and model iteration would cost
    more than the query."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}

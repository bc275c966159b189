"""Two writes that collide in the database answer 409 Conflict, never 500.

Forms and serializers check uniqueness before they save, but two curators saving at the same moment
both pass the check and the database refuses the second (the same address for two donors, the same
record ID given twice, a relation added twice). On PostgreSQL a deadlock or a serialization failure is
one more way two writes collide: writers take the shared locks in one order (documents/search/
facet_index.py), so this is a backstop. Either way the second write was rolled back whole: the answer
says so and asks to read again. The API's error handler and the site's 500 handler both ask here."""

from django.db import IntegrityError, OperationalError

# unique_violation, foreign_key_violation (a record deleted while another named it), deadlock_detected,
# serialization_failure.
CONFLICT_SQLSTATES = ("23505", "23503", "40P01", "40001")
SQLITE_CONFLICTS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")
MESSAGE = (
    "Not saved: another change was saved at the same moment (the same record, or the same unique value such "
    "as an address or a record ID). Nothing was changed. Read the record again, then retry."
)


def write_conflict(exc):
    """Whether exc is the database refusing a write that collided with another one."""
    if not isinstance(exc, IntegrityError | OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)  # psycopg's error, which Django's wraps
    if sqlstate is not None:
        return sqlstate in CONFLICT_SQLSTATES
    return isinstance(exc, IntegrityError) and str(exc).startswith(SQLITE_CONFLICTS)

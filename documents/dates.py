"""Partial historical dates: a day, a month or a year, possibly approximate.

A document stores the first day its date can mean (``date``), the last
(``date_end``), the precision and a circa flag; from those it can be shown as
the archive shows it and filtered by overlap with a range."""

import calendar
import datetime
import re

from django.db import models
from django.db.models import Func, IntegerField


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def date_span(start, precision):
    """The first and last day that a date of this precision covers."""
    if start is None:
        return None, None
    if precision == DatePrecision.YEAR:
        return start.replace(month=1, day=1), start.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        last = calendar.monthrange(start.year, start.month)[1]
        return start.replace(day=1), start.replace(day=last)
    return start, start


def format_partial_date(start, precision, circa=False):
    """ "February 4, 1949", "February 1949", "1949" or "circa 1949"; "" if undated."""
    if start is None:
        return ""
    if precision == DatePrecision.YEAR:
        shown = str(start.year)
    elif precision == DatePrecision.MONTH:
        shown = f"{calendar.month_name[start.month]} {start.year}"
    else:
        shown = f"{calendar.month_name[start.month]} {start.day}, {start.year}"
    return f"circa {shown}" if circa else shown


PARTIAL_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*$")


def parse_partial_date(text):
    """Read "1949", "1949-02" or "1949-02-04" as (first day, precision).

    Raises ValueError with a message a reader can act on."""
    match = PARTIAL_ISO.match(text or "")
    if not match:
        raise ValueError(f"“{text}” is not a date: use YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return datetime.date(year, month, day), DatePrecision.DAY
        if month is not None:
            return datetime.date(year, month, 1), DatePrecision.MONTH
        return datetime.date(year, 1, 1), DatePrecision.YEAR
    except ValueError:
        raise ValueError(f"“{text}” is not a real date.") from None


class Year(Func):
    """The year of a date as an integer, with each database's own fast function (Django's
    ExtractYear calls a Python function per row on SQLite)."""

    output_field = IntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(substr(%(expressions)s, 1, 4) AS integer)")

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(EXTRACT(YEAR FROM %(expressions)s) AS integer)")

"""Parsing the two kinds of time a user gives: legal days and record times.

* :func:`parse_day` - a legal day, strictly ``YYYY-MM-DD`` (no "14/01/2021", no "2021-1-5");
* :func:`parse_record_time` - an ISO 8601 record time, made UTC (no offset means UTC); a bare date
  means the end of that UTC day, so "known at 2026-11-23" includes everything recorded that day.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["DateInputError", "parse_day", "parse_record_time"]


class DateInputError(ValueError):
    """A date or time that cannot be read; the message names the field and the expected form."""


def parse_day(value: str, field: str) -> dt.date:
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DateInputError(f"{field} {value!r} is not a date; use YYYY-MM-DD, e.g. 2021-03-12") from None


def parse_record_time(value: str, field: str) -> dt.datetime:
    try:
        if len(value) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.max, tzinfo=dt.UTC)
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DateInputError(f"{field} {value!r} is not a timestamp; use ISO 8601, e.g. "
                             "2026-11-23T12:00:00Z") from None
    return ts.replace(tzinfo=dt.UTC) if ts.tzinfo is None else ts.astimezone(dt.UTC)

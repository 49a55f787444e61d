"""Writing active days: one upsert statement for any number of (user, day, module) visits.

Not audited: these rows *are* a usage log, written by the middleware, not a user's action.
``hits`` add up and ``first_seen``/``last_seen`` widen, so two processes that both saw a user
on the same day (each with its own cache) merge into one row instead of overwriting each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction

from .models import UserDay


@dataclass
class Visit:
    user_id: int
    day: date
    module: str
    district_id: int | None
    town_id: int | None
    committee_id: int | None
    first_seen: datetime
    last_seen: datetime
    hits: int = 1


def _sql() -> str:
    table = UserDay._meta.db_table
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    # Only the table name and two SQL function names are interpolated; every value is a parameter.
    return (
        f"INSERT INTO {table} (user_id, day, module, district_id, town_id, committee_id, first_seen, last_seen, hits) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (user_id, day, module) DO UPDATE SET "
        f"hits = {table}.hits + EXCLUDED.hits, "
        f"first_seen = {least}({table}.first_seen, EXCLUDED.first_seen), "
        f"last_seen = {greatest}({table}.last_seen, EXCLUDED.last_seen)"
    )


def userday_upsert(visits: list[Visit]) -> int:
    """Insert or merge the visits; returns how many were written."""
    if not visits:
        return 0
    ops = connection.ops
    params = [
        (
            v.user_id, ops.adapt_datefield_value(v.day), v.module, v.district_id, v.town_id, v.committee_id,
            ops.adapt_datetimefield_value(v.first_seen), ops.adapt_datetimefield_value(v.last_seen), v.hits,
        )
        for v in visits
    ]
    if connection.in_atomic_block:  # a savepoint, so a failure cannot spoil the caller's transaction
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_sql(), params)
    else:  # autocommit: each row stands alone, no BEGIN/COMMIT round trips on the request path
        with connection.cursor() as cursor:
            cursor.executemany(_sql(), params)
    return len(visits)

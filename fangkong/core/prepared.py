"""A hot write as one round trip to PostgreSQL: a lock statement and a write statement, both
prepared statements of the session. Used by ``booking/pg_write.py`` (a booking) and
``office/ack_write.py`` (收到).

In autocommit mode with psycopg's client-side binding (Django's default) the two ``EXECUTE``\\ s
travel as one query string, which PostgreSQL runs as one implicit transaction: the write's
snapshot is taken after the lock is granted. Each statement is parsed and planned once per
connection (measured −0.8 ms of PostgreSQL CPU per booking), prepared on first use and again
when a pooler reset the session; where sessions do not live on (``CONN_MAX_AGE`` 0) the query
string carries the statements themselves. Inside a caller's transaction, or with server-side
binding (one statement per query), the two run one by one in a transaction (a savepoint when
nested): same effect, more round trips.

A prepared statement's generic plan keeps the table sizes of the moment it was made.
PostgreSQL re-plans after an ANALYZE, but autovacuum looks at most once a minute: a session
that prepared the booking write while ``booking_booking`` was (or was recorded as) empty counted
a room's bookings with a sequential scan of the whole table — measured 5.7 ms per booking at
9,000 bookings, growing with every booking, until autovacuum came by. So each session prepares
every statement again after :data:`REPLAN_AT` executions, and every :data:`REPLAN_EVERY` after
the last: the planner then sizes the tables from their current files.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from django.db import ProgrammingError, connection, transaction

REPLAN_AT = (20, 200, 2_000)
REPLAN_EVERY = 20_000

# The statements each session has prepared (psycopg connection -> prepared name -> executions).
_prepared: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Statement:
    """``sql`` with ``%(name)s`` placeholders (``%%`` for a literal %), prepared as ``name``."""

    name: str
    sql: str
    params: tuple[str, ...] = field(init=False)  # the placeholders in $1, $2, ... order

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(dict.fromkeys(re.findall(r"%\((\w+)\)s", self.sql))))

    def prepare_sql(self) -> str:
        return f"PREPARE {self.name} AS " + re.sub(
            r"%\((\w+)\)s", lambda m: f"${self.params.index(m.group(1)) + 1}", self.sql
        ).replace("%%", "%")

    def execute_sql(self) -> str:
        return f"EXECUTE {self.name}(" + ", ".join(f"%({n})s" for n in self.params) + ")"


def replan_due(executions: int) -> bool:
    return executions in REPLAN_AT or (executions > REPLAN_AT[-1] and executions % REPLAN_EVERY == 0)


def lock_and_write(
    lock: Statement | None, write: Statement, params: dict[str, Any], *, stop_unlocked: bool = False
) -> tuple[Any, ...] | None:
    """Run ``lock`` (if any), then ``write``; return the write's first row (None: no row).

    ``stop_unlocked``: when the lock finds no row, the write is not run (one by one) — the
    caller's write must then find nothing by itself too, for the one-string path runs it anyway.
    """
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.in_atomic_block or options.get("server_side_binding"):
        with transaction.atomic(), connection.cursor() as cursor:
            if lock is not None:
                cursor.execute(lock.sql, params)
                if stop_unlocked and cursor.fetchone() is None:
                    return None
            cursor.execute(write.sql, params)
            found = cursor.fetchone()
            return tuple(found) if found else None
    statements = [s for s in (lock, write) if s is not None]
    prepared = connection.settings_dict.get("CONN_MAX_AGE") != 0  # only where sessions live on
    query = ";\n".join(s.execute_sql() if prepared else s.sql for s in statements)
    for attempt in (1, 2):
        with connection.cursor() as cursor:
            if prepared:
                _prepare(statements, cursor, again=attempt > 1)
            try:
                cursor.execute(query, params)
            except ProgrammingError as exc:
                if attempt == 1 and getattr(exc.__cause__, "sqlstate", None) == "26000":
                    continue  # "prepared statement does not exist": the session was reset
                raise
            if lock is not None:
                cursor.cursor.nextset()
            found = cursor.fetchone()
            return tuple(found) if found else None
    raise AssertionError("unreachable")  # pragma: no cover


def executions(name: str) -> int:
    """How often this session ran the prepared statement ``name`` (0: not prepared)."""
    return _prepared.get(connection.connection, {}).get(name, 0)


def _prepare(statements: list[Statement], cursor: Any, *, again: bool) -> None:
    """Prepare the statements in this session, once (again: after the session lost them), and
    anew when ``replan_due`` (their plans may be stale)."""
    done = _prepared.setdefault(connection.connection, {})
    if again:
        cursor.execute("DEALLOCATE ALL")  # lost some or all of them: start from a clean slate
        done.clear()
    for statement in statements:
        count = done.get(statement.name)
        if count is None:
            cursor.execute(statement.prepare_sql())
            count = 0
        elif replan_due(count):
            cursor.execute(f"DEALLOCATE {statement.name}; {statement.prepare_sql()}")
        done[statement.name] = count + 1

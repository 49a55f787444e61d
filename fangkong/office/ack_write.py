"""收到 (acknowledge) as one round trip to PostgreSQL: the hot path of a directive's replies.

The ORM path (``directives.receipt_acknowledge_own`` on other databases, then
``receipt_acknowledge``) sends the receipt SELECT, BEGIN, the receipt UPDATE, the unit tally UPDATE, the audit INSERT
and COMMIT, each statement built by the ORM. Here the same writes are one query string of two
statements, which PostgreSQL runs as one implicit transaction:

1. ``SELECT … FOR UPDATE`` of the receipt, only if it belongs to the signed-in user (through
   ``office_person.user_id``): a second tap, the reading of the same receipt in another tab,
   and a report wait for it. The next statement's snapshot is taken after the lock is granted,
   so it reads the receipt as it is now.
2. One statement with data-modifying CTEs: read the receipt and its directive's reply kind,
   set ``acknowledged_at`` (and ``read_at`` when unread; never later than the acknowledgement,
   even when a concurrent first opening took its time a moment after ours) if not yet
   acknowledged and the directive asks for a reply, move its unit's tally by the same amounts, INSERT the audit row
   (the columns ``audit_log`` writes, from ``rawinsert.insert_shape``), and return what it found.

Both are prepared statements of the session (``PREPARE`` on first use per connection, again if
a pooler reset the session). Inside a caller's transaction (tests, or a service composing this)
or with psycopg server-side binding, the statements run one by one, unprepared, in a
transaction: same effect. Other databases use the ORM path.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import ProgrammingError, connection, transaction

from fangkong.core.models import AuditEvent
from fangkong.core.rawinsert import NOW, InsertShape, insert_shape

from .models import Directive, Person, Receipt, ReplyKind, UnitTally

ACTION = "office.receipt_ack"


@dataclass(frozen=True)
class AckResult:
    """What one 收到 found and did."""

    receipt_id: int
    reply: str  # the directive's reply kind
    done: bool  # this call acknowledged the receipt (False: it already was, or no reply is asked)
    read_at: datetime | None  # after the call
    acknowledged_at: datetime | None  # after the call


_LOCK = (
    "SELECT 1 FROM {receipt} r JOIN {person} p ON p.id = r.person_id "
    "WHERE r.id = %(receipt)s::bigint AND p.user_id = %(user)s::bigint FOR UPDATE OF r"
)
_WRITE = """
WITH old AS (
    SELECT r.id, r.directive_id, r.district_id, r.town_id, r.committee_id, r.read_at, r.acknowledged_at, d.reply
    FROM {receipt} r JOIN {person} p ON p.id = r.person_id JOIN {directive} d ON d.id = r.directive_id
    WHERE r.id = %(receipt)s::bigint AND p.user_id = %(user)s::bigint
), upd AS (
    UPDATE {receipt} r SET read_at = least(r.read_at, %(_now)s::timestamptz), acknowledged_at = %(_now)s::timestamptz
    FROM old
    WHERE r.id = old.id AND r.acknowledged_at IS NULL AND old.reply <> %(none)s::text
    RETURNING r.id, r.directive_id, r.district_id, r.town_id, r.committee_id, old.read_at IS NULL AS was_unread
), tally AS (
    UPDATE {tally} t SET read = t.read + (CASE WHEN upd.was_unread THEN 1 ELSE 0 END), acknowledged = t.acknowledged + 1
    FROM upd
    WHERE t.directive_id = upd.directive_id
      AND ((t.town_id = upd.town_id AND t.committee_id = upd.committee_id)
           OR (upd.committee_id IS NULL AND t.town_id = upd.town_id AND t.committee_id IS NULL)
           OR (upd.town_id IS NULL AND t.town_id IS NULL AND t.committee_id IS NULL))
), audit AS (
    INSERT INTO {audit} ({audit_columns}) SELECT {audit_values} FROM upd
)
SELECT old.reply, CASE WHEN upd.id IS NULL THEN old.read_at ELSE least(old.read_at, %(_now)s::timestamptz) END,
       CASE WHEN upd.id IS NULL THEN old.acknowledged_at ELSE %(_now)s::timestamptz END,
       upd.id IS NOT NULL
FROM old LEFT JOIN upd ON true
"""
_AUDIT_GIVEN = {
    "at": "%(_now)s::timestamptz",
    "actor_id": "%(user)s::bigint",
    "actor_label": "%(actor_label)s::text",
    "action": "%(action)s::text",
    "object_type": "'receipt'",
    "object_id": "upd.id::text",
    "district_id": "upd.district_id",
    "town_id": "upd.town_id",
    "committee_id": "upd.committee_id",
    "ip": "NULL",
    "detail": "'{}'::jsonb",
}
_LOCK_NAME, _WRITE_NAME = "fk_ack_lock", "fk_ack_write"
# Which sessions have the statements prepared (psycopg connection -> prepared names).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class _Statements:
    lock: str
    write: str
    shape: InsertShape
    names: tuple[str, ...]  # the write's placeholders in $1, $2, ... order

    def prepare(self, name: str, sql: str, names: tuple[str, ...]) -> str:
        return f"PREPARE {name} AS " + re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql)

    def execute(self, name: str, names: tuple[str, ...]) -> str:
        return f"EXECUTE {name}(" + ", ".join(f"%({n})s" for n in names) + ")"


@cache
def _statements() -> _Statements:
    tables = {
        "receipt": Receipt._meta.db_table,
        "person": Person._meta.db_table,
        "directive": Directive._meta.db_table,
        "tally": UnitTally._meta.db_table,
        "audit": AuditEvent._meta.db_table,
    }
    shape = insert_shape(AuditEvent, _AUDIT_GIVEN, prefix="_a_")
    if shape.dynamic:  # a callable default added to AuditEvent: fine, but then pass it per call
        raise AssertionError("AuditEvent has callable defaults; extend ack_write to pass them")
    write = _WRITE.format(**tables, audit_columns=shape.columns, audit_values=shape.values)
    names = tuple(dict.fromkeys(re.findall(r"%\((\w+)\)s", write)))
    return _Statements(_LOCK.format(**tables), write, shape, names)


def applies() -> bool:
    return connection.vendor == "postgresql"


def acknowledge(*, user: Any, receipt_id: int, now: datetime) -> AckResult | None:
    """Acknowledge the user's own receipt; None when it is not theirs (or does not exist)."""
    st = _statements()
    params = {
        **st.shape.static,
        NOW: now,
        "receipt": receipt_id,
        "user": user.pk,
        "actor_label": str(user)[:64],
        "action": ACTION,
        "none": ReplyKind.NONE.value,
    }
    row = _execute(st, params)
    if row is None:
        return None
    reply, read_at, acknowledged_at, done = row
    return AckResult(receipt_id=receipt_id, reply=reply, done=bool(done), read_at=read_at, acknowledged_at=acknowledged_at)


def _execute(st: _Statements, params: dict[str, Any]) -> tuple[Any, ...] | None:
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.in_atomic_block or options.get("server_side_binding"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(st.lock, params)
            if cursor.fetchone() is None:
                return None
            cursor.execute(st.write, params)
            found = cursor.fetchone()
            return tuple(found) if found else None
    prepared = connection.settings_dict.get("CONN_MAX_AGE") != 0  # sessions that live on
    lock_names = ("receipt", "user")
    if prepared:
        query = f"{st.execute(_LOCK_NAME, lock_names)};\n{st.execute(_WRITE_NAME, st.names)}"
    else:
        query = f"{st.lock};\n{st.write}"
    for attempt in (1, 2):
        with connection.cursor() as cursor:
            if prepared:
                _prepare(st, cursor, lock_names, again=attempt > 1)
            try:
                cursor.execute(query, params)
            except ProgrammingError as exc:
                if attempt == 1 and getattr(exc.__cause__, "sqlstate", None) == "26000":
                    continue  # "prepared statement does not exist": the session was reset
                raise
            cursor.cursor.nextset()
            found = cursor.fetchone()
            return tuple(found) if found else None
    raise AssertionError("unreachable")  # pragma: no cover


def _prepare(st: _Statements, cursor: Any, lock_names: tuple[str, ...], *, again: bool) -> None:
    session = connection.connection
    done = _prepared.setdefault(session, set())
    if again:
        cursor.execute("DEALLOCATE ALL")  # lost some or all of them: start from a clean slate
        done.clear()
    if _LOCK_NAME not in done:
        cursor.execute(st.prepare(_LOCK_NAME, st.lock, lock_names))
        done.add(_LOCK_NAME)
    if _WRITE_NAME not in done:
        cursor.execute(st.prepare(_WRITE_NAME, st.write, st.names).replace("%%", "%"))
        done.add(_WRITE_NAME)

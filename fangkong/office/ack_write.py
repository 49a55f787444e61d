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

Both are prepared statements of the session, run through ``core.prepared.lock_and_write`` (as
the booking write is): prepared on first use per connection, again if a pooler reset the
session, re-planned as the tables grow; inside a caller's transaction (tests, or a service
composing this) or with psycopg server-side binding they run one by one in a transaction: same
effect. Other databases use the ORM path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from fangkong.core.models import AuditEvent
from fangkong.core.prepared import Statement, lock_and_write
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


@dataclass(frozen=True)
class _Statements:
    lock: Statement
    write: Statement
    shape: InsertShape


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
    return _Statements(Statement("fk_ack_lock", _LOCK.format(**tables)), Statement("fk_ack_write", write), shape)


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
    # Not the user's receipt: the lock finds nothing, and so does the write (it checks the same).
    row = lock_and_write(st.lock, st.write, params, stop_unlocked=True)
    if row is None:
        return None
    reply, read_at, acknowledged_at, done = row
    return AckResult(receipt_id=receipt_id, reply=reply, done=bool(done), read_at=read_at, acknowledged_at=acknowledged_at)

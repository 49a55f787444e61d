"""``booking_create``'s write as one round trip to PostgreSQL (the common case of the hot path).

The ORM path (``services.booking_create``) sends BEGIN, the household row lock, the queue
counter UPDATE, the booking INSERT, the outbox INSERT, the delivery job INSERT and COMMIT: seven
round trips, each with Django building and compiling a statement. Here the same writes are one
query string of two statements, which PostgreSQL runs as one implicit transaction:

1. The household lock of the room (``HOUSEHOLD_LOCK_SQL`` below, an advisory lock; only when
   the round limits households): bookings of one room wait for each other, and the next
   statement's snapshot, taken after the lock is granted, sees the bookings of whoever held it
   before — the household count is exact.
2. One statement with data-modifying CTEs: count the household, take the next place in the
   committee's queue with a conditional UPDATE (committee quota and household limit in its
   WHERE, so nothing is written when either is exceeded), INSERT the booking, INSERT the SMS
   (and e-mail) outbox rows and their django-tasks delivery jobs (``messaging.sql_queue``).

The unique constraint still makes "one booking per person per round": a duplicate raises
IntegrityError and the server rolls the whole query back, counter included. When nothing was
written (quota full, household full, no queue row yet) this returns None and the caller runs
the ORM path, which finds out why and raises the resident's message; the rare cases it does not
cover (proxy members, free-text addresses, round-wide quotas, desk entries with their audit
row, another task backend) go to the ORM path directly. Statement and lock order are the ORM
path's (address row, then queue row), so the two paths can run side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models
from psycopg import sql as pgsql

from fangkong.core.messaging import SqlQueue, check_variables, sql_queue
from fangkong.core.models import Channel
from fangkong.core.prepared import Statement, lock_and_write
from fangkong.core.rawinsert import NOW, insert_shape
from fangkong.orgs import cache as org_cache

from .forms import BookingData, Person
from .models import Allocation, Booking, BookingSource, BookingStatus, Round

_BOOKING_GIVEN = {
    "round_id": "%(round)s::bigint",
    "booking_no": "%(prefix)s::text || lpad(unit.booked::text, greatest(5, length(unit.booked::text)), '0')",
    "seq": "unit.booked",
    "unit_id": "unit.id",
    "district_id": "%(district)s::bigint",
    "town_id": "%(town)s::bigint",
    "committee_id": "%(committee)s::bigint",
    "name": "%(name)s::text",
    "id_type": "%(id_type)s::text",
    "id_number": "%(id_number)s::text",
    "phone": "%(phone)s::text",
    "email": "%(email)s::text",
    "address_id": "%(address)s::bigint",
    "address_text": "%(address_text)s::text",
    "compound": "%(compound)s::text",
    "household_size": "%(household)s::integer",
    "quantity": "%(quantity)s::integer",
    "proxy_of_id": "NULL",
    "status": f"'{BookingStatus.PENDING.value}'",
    "source": "%(source)s::text",
    "consent_at": "%(_now)s::timestamptz",
    "created_at": "%(_now)s::timestamptz",
}
_VARIABLES = (
    "jsonb_build_object('name', %(name)s::text, 'round', %(round_name)s::text, 'booking_no', b.booking_no,"
    " 'queue_position', b.seq, 'committee', %(committee_name)s::text)"
)
# The household lock (both paths: here and services._lock_household): a transaction-scoped
# advisory lock on (this namespace, the room's id). It does what a row lock on the room did —
# bookings of one room wait for each other, others do not — without writing the room's row:
# ``FOR UPDATE`` marks the tuple (a WAL record and a dirty page of the address table per
# booking, a full-page image after each checkpoint); an advisory lock lives in shared memory.
# The holder releases it after its commit is visible, so the next holder's count sees it.
HOUSEHOLD_LOCK_NAMESPACE = 20200203
HOUSEHOLD_LOCK_SQL = f"SELECT pg_advisory_xact_lock({HOUSEHOLD_LOCK_NAMESPACE}, (%s::bigint %% 2147483647)::integer)"
_LOCK = Statement("fk_booking_hh_lock", HOUSEHOLD_LOCK_SQL.replace("%s", "%(address)s"))
_WRITE = """
WITH hh AS (
    SELECT {household_count} AS n
), unit AS (
    UPDATE booking_roundunit SET booked = booked + 1
    WHERE round_id = %(round)s::bigint AND committee_id = %(committee)s::bigint
      AND (NOT %(enforce)s::boolean OR quota IS NULL OR booked + 1 <= quota)
      AND (SELECT n FROM hh) + 1 <= %(hh_limit)s::integer
    RETURNING id, booked
), b AS (
    INSERT INTO booking_booking ({booking_columns}) SELECT {booking_values} FROM unit
    RETURNING id, booking_no, seq, unit_id
), m AS (
    {messages}
), j AS (
    {jobs}
)
SELECT b.id, b.booking_no, b.seq, b.unit_id, (SELECT n FROM hh) FROM (SELECT 1) AS one LEFT JOIN b ON true
"""
# ``round_id + 0``: look the room's bookings up by address (a handful of rows over all rounds),
# never by round — with stale statistics PostgreSQL picked the (round_id, created_at) index and
# counted the whole round on every booking (see services.HOUSEHOLD_COUNT_SQL).
_HOUSEHOLD_COUNT = (
    "(SELECT count(*) FROM booking_booking WHERE address_id = %(address)s::bigint AND round_id + 0 = %(round)s::bigint)"
)
_MESSAGE_ROWS = (
    "SELECT %(sms)s::text AS channel, %(phone)s::text AS recipient, 'booking_created'::text AS template, "
    "{variables} AS variables, 'booking_created:' || b.booking_no AS idempotency_key FROM b "
    "UNION ALL SELECT %(channel_email)s::text, %(email)s::text, 'booking_created'::text, {variables}, "
    "'booking_created_email:' || b.booking_no FROM b WHERE %(email)s::text <> ''"
)

# The keyed variant (``booking_write_keyed``): the address is looked up by its public key in the
# same statement (CTE ``a``, with its town's district and its committee's code and name), so the
# API's booking is one query string without a separate address query. Rows of ``a`` only exist
# for a room of the round's town (when the round is for one town).
_ADDRESS_CTE = """a AS (
    SELECT sa.id, sa.address_id, sa.district_id AS address_district_id, t.district_id, sa.town_id, sa.committee_id,
           sa.lane, sa.compound, sa.label, c.code AS committee_code, c.name AS committee_name
    FROM addresses_standardaddress sa
    JOIN orgs_town t ON t.id = sa.town_id
    JOIN orgs_committee c ON c.id = sa.committee_id
    WHERE sa.address_id = %(address_key)s::text AND (%(round_town)s::bigint IS NULL OR sa.town_id = %(round_town)s::bigint)
), """
_KEYED_GIVEN = {
    **_BOOKING_GIVEN,
    "booking_no": "'B' || %(round)s::bigint::text || '-' || a.committee_code || '-' || "
    "lpad(unit.booked::text, greatest(5, length(unit.booked::text)), '0')",
    "district_id": "a.district_id",
    "town_id": "a.town_id",
    "committee_id": "a.committee_id",
    "address_id": "a.id",
    "address_text": "a.label",
    "compound": "a.compound",
}
_KEYED_LOCK = Statement(
    "fk_booking_hh_lock_key",
    HOUSEHOLD_LOCK_SQL.replace("%s::bigint", "id") + " FROM addresses_standardaddress WHERE address_id = %(address_key)s::text",
)
_KEYED_RESULT = "a.committee_id"


def _keyed(sql: str) -> str:
    """The write of ``_WRITE`` with the address taken from CTE ``a`` instead of parameters."""
    return (
        sql.replace("WITH hh AS (", "WITH " + _ADDRESS_CTE + "hh AS (", 1)
        .replace("WHERE round_id = %(round)s::bigint AND committee_id = %(committee)s::bigint",
                 "WHERE round_id = %(round)s::bigint AND committee_id = (SELECT committee_id FROM a)", 1)
        .replace("SELECT {booking_values} FROM unit", "SELECT {booking_values} FROM unit, a", 1)
        .replace("FROM (SELECT 1) AS one LEFT JOIN b ON true", "FROM (SELECT 1) AS one LEFT JOIN b ON true LEFT JOIN a ON true", 1)
        .replace("(SELECT n FROM hh) FROM (SELECT 1)", "(SELECT n FROM hh), " + _KEYED_RESULT + " FROM (SELECT 1)", 1)  # noqa: S608 - constant SQL
    )


@dataclass(frozen=True)
class _Write:
    """The write for one kind of round (with or without a household limit), built per process."""

    queue: SqlQueue
    # %(name)s placeholders, the columns' constant defaults written in as literals; prepared in
    # each PostgreSQL session under its name
    statement: Statement
    dynamic: tuple[tuple[str, models.Field], ...]  # defaults computed per statement (callables)

    def params(self, now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {NOW: now}
        for key, field in self.dynamic:
            out[key] = field.get_db_prep_save(field.get_default(), connection)
        return out


_writes: dict[tuple[bool, bool], _Write] = {}


def _inline(sql: str, constants: dict[str, Any]) -> str:
    connection.ensure_connection()
    for key, value in constants.items():
        literal = pgsql.Literal(value).as_string(connection.connection).replace("%", "%%")
        sql = sql.replace(f"%({key})s", literal)
    return sql


def _write(household: bool, keyed: bool = False) -> _Write | None:
    queue = sql_queue()
    if queue is None:
        return None
    cached = _writes.get((household, keyed))
    if cached is not None and cached.queue is queue:
        return cached
    shape = insert_shape(Booking, _KEYED_GIVEN if keyed else _BOOKING_GIVEN, prefix="_b_")
    variables = _VARIABLES.replace("%(committee_name)s::text", "a.committee_name") if keyed else _VARIABLES
    household_count = _HOUSEHOLD_COUNT if household else "0"
    if keyed:
        household_count = household_count.replace("%(address)s::bigint", "(SELECT id FROM a)")
    sql = (_keyed(_WRITE) if keyed else _WRITE).format(
        household_count=household_count,
        booking_columns=shape.columns,
        booking_values=shape.values,
        messages=queue.messages(_MESSAGE_ROWS.format(variables=variables).replace(" FROM b", " FROM b, a" if keyed else " FROM b")),
        jobs=queue.jobs("m"),
    )
    sql = _inline(sql, {**shape.static, **queue.message.static, **queue.job.static})
    dynamic = (*shape.dynamic, *queue.message.dynamic, *queue.job.dynamic)
    name = f"fk_booking_write_{int(household)}{'k' if keyed else ''}"
    _writes[(household, keyed)] = built = _Write(queue, Statement(name, sql), dynamic)
    return built


def applies(round_: Round, data: BookingData, *, source: str, actor: Any) -> bool:
    """Whether this path covers the booking (else ``booking_create`` uses the ORM path)."""
    return (
        connection.vendor == "postgresql"
        and data.address is not None
        and not data.members
        and (round_.total_quota is None or round_.allocation != Allocation.REGISTRATION_ORDER)
        and not (source == BookingSource.DESK and actor is not None)
    )


def booking_write(*, round_: Round, data: BookingData, source: str, now: datetime) -> Booking | None:
    """Write the booking, its SMS and their delivery jobs; None when nothing was written.

    Raises IntegrityError for a second booking of the same person (nothing is written then).
    """
    address = data.address
    assert address is not None  # noqa: S101 - guaranteed by applies()
    household = bool(round_.per_household_limit)
    write = _write(household)
    if write is None:
        return None
    committee = address.committee
    applicant = data.applicant
    variables = {"name": applicant.name, "round": round_.name, "booking_no": "", "queue_position": 0, "committee": committee.name}
    check_variables(Channel.SMS, "booking_created", variables)
    if data.email:
        check_variables(Channel.EMAIL, "booking_created", variables)
    params = {
        **write.params(now),
        "round": round_.pk,
        "address": address.pk,
        "committee": committee.pk,
        "enforce": round_.allocation == Allocation.REGISTRATION_ORDER,
        "hh_limit": round_.per_household_limit if household else 1,
        "prefix": f"B{round_.pk}-{committee.code}-",
        "district": data.town.district_id,
        "town": data.town.pk,
        "name": applicant.name,
        "id_type": applicant.id_type,
        "id_number": applicant.id_number,
        "phone": data.phone,
        "email": data.email,
        "address_text": data.address_text,
        "compound": address.compound,
        "household": data.household_size,
        "quantity": round_.per_person_limit,
        "source": source,
        "round_name": round_.name,
        "committee_name": committee.name,
        "sms": Channel.SMS.value,
        "channel_email": Channel.EMAIL.value,
    }
    row = lock_and_write(_LOCK if household else None, write.statement, params)
    assert row is not None  # noqa: S101 - the write always returns its one row
    pk, booking_no, seq, unit_id, _already = row
    if pk is None:
        return None
    values = {
        "id": pk,
        "round_id": round_.pk,
        "booking_no": booking_no,
        "seq": seq,
        "unit_id": unit_id,
        "district_id": data.town.district_id,
        "town_id": data.town.pk,
        "committee_id": committee.pk,
        "name": applicant.name,
        "id_type": applicant.id_type,
        "id_number": applicant.id_number,
        "phone": data.phone,
        "email": data.email,
        "address_id": address.pk,
        "address_text": data.address_text,
        "compound": address.compound,
        "household_size": data.household_size,
        "quantity": round_.per_person_limit,
        "status": BookingStatus.PENDING,
        "source": source,
        "consent_at": now,
        "created_at": now,
    }
    # Positional construction (as from a query) is cheaper than keyword arguments; the related
    # objects the caller may read are the ones already in hand.
    booking = Booking.from_db(
        connection.alias,
        (),  # all fields given, in model order: positional construction
        [values[f.attname] if f.attname in values else f.get_default() for f in Booking._meta.concrete_fields],
    )
    booking._state.fields_cache.update(round=round_, town=data.town, committee=committee, address=address)
    return booking


@dataclass(frozen=True)
class KeyedBooking:
    """What the API answers about a booking the keyed write made (no model instances to build)."""

    pk: int
    booking_no: str
    status: str
    seq: int
    committee_code: str
    town_code: str


def booking_write_keyed(
    *, round_: Round, applicant: Person, phone: str, email: str, household_size: int, address_key: str, source: str,
    now: datetime,
) -> KeyedBooking | None:
    """The API's common case in one round trip: the standard address by its public key, found
    by the write itself (no address query before it). None when this path does not apply or
    wrote nothing — round not open, no such room (or not in the round's town), quota or
    household full, no queue row, or the applicant already booked (IntegrityError, rolled back):
    the caller then looks the address up and runs ``booking_create``, which explains."""
    if (
        connection.vendor != "postgresql"
        or not round_.is_open_at(now)
        or (round_.total_quota is not None and round_.allocation == Allocation.REGISTRATION_ORDER)
        or source == BookingSource.DESK
    ):
        return None
    household = bool(round_.per_household_limit)
    write = _write(household, keyed=True)
    if write is None:
        return None
    variables = {"name": applicant.name, "round": round_.name, "booking_no": "", "queue_position": 0, "committee": ""}
    check_variables(Channel.SMS, "booking_created", variables)
    if email:
        check_variables(Channel.EMAIL, "booking_created", variables)
    params = {
        **write.params(now),
        "address_key": address_key,
        "round_town": round_.town_id,
        "round": round_.pk,
        "enforce": round_.allocation == Allocation.REGISTRATION_ORDER,
        "hh_limit": round_.per_household_limit if household else 1,
        "name": applicant.name,
        "id_type": applicant.id_type,
        "id_number": applicant.id_number,
        "phone": phone,
        "email": email,
        "household": household_size,
        "quantity": round_.per_person_limit,
        "source": source,
        "round_name": round_.name,
        "sms": Channel.SMS.value,
        "channel_email": Channel.EMAIL.value,
    }
    try:
        row = lock_and_write(_KEYED_LOCK if household else None, write.statement, params)
    except IntegrityError:
        return None
    assert row is not None  # noqa: S101 - the write always returns its one row
    pk, booking_no, seq, _unit_id, _already, committee_id = row
    if pk is None:
        return None
    # Both exist (the statement joined them); the cache reloads itself on a miss.
    committee = org_cache.committee(committee_id)
    assert committee is not None  # noqa: S101
    town = org_cache.town(committee.town_id)
    assert town is not None  # noqa: S101
    return KeyedBooking(pk=pk, booking_no=booking_no, status=BookingStatus.PENDING, seq=seq,
                        committee_code=committee.code, town_code=town.code)

"""A what-if, not application code: the booking write as ONE SQL statement, to measure how far
the recommendations in benchmarks/README.md ("Booking submit (issue 2)") could take throughput.

Mounted by ``bench_urls`` at ``/bench/rounds/<id>/bookings-lean`` and exercised by
``booking_submit.py --lean``. Same input validation as the API (``BookingForm``, one query for
the address), the round from a 2-second per-process cache, then in autocommit mode a single
statement with data-modifying CTEs: household count, the committee's conditional counter UPDATE,
the booking INSERT and the outbox INSERT. One round trip instead of 13 statements + BEGIN/COMMIT.
Parameters carry explicit casts so the statement also works with server-side binding.

Left out on purpose (a prototype): proxy members (answered 501), the lazily created town
queue (round_create makes every committee's unit), the django-tasks job row (a worker would
poll pending outbox rows), the ``booking_unresolved`` template (addresses are always resolved
here), total_quota rounds.
"""

from __future__ import annotations

import json
import time

from django.db import IntegrityError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fangkong.booking.forms import BookingForm
from fangkong.booking.models import Allocation, Booking, Round, RoundStatus

ROUND_TTL = 2.0
_rounds: dict[int, tuple[float, Round | None]] = {}

# The booking and outbox columns this prototype sets; any other column (the schema moves) gets
# its model default, so the statement is built from the models once per process.
BOOKING_VALUES = {
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
    "address_id": "%(address)s::bigint",
    "address_text": "%(address_text)s::text",
    "compound": "%(compound)s::text",
    "household_size": "%(household)s::integer",
    "quantity": "%(quantity)s::integer",
    "status": "'pending'",
    "source": "'api'",
    "consent_at": "now()",
    "created_at": "now()",
}
MESSAGE_VALUES = {
    "channel": "'sms'",
    "recipient": "%(phone)s::text",
    "template": "'booking_created'",
    "variables": (
        "jsonb_build_object('name', %(name)s::text, 'round', %(round_name)s::text, 'booking_no', b.booking_no,"
        " 'queue_position', b.seq, 'committee', %(committee_name)s::text)"
    ),
    "idempotency_key": "'booking_created:' || b.booking_no",
    "status": "'pending'",
    "attempts": "0",
    "created_at": "now()",
}
WRITE_TEMPLATE = """
WITH hh AS (
    SELECT count(*) AS n FROM booking_booking
    WHERE round_id = %(round)s::bigint AND address_id = %(address)s::bigint
), unit AS (
    UPDATE booking_roundunit SET booked = booked + 1
    WHERE round_id = %(round)s::bigint AND committee_id = %(committee)s::bigint
      AND (NOT %(enforce)s::boolean OR quota IS NULL OR booked < quota)
      AND (%(hh_limit)s::integer = 0 OR (SELECT n FROM hh) + 1 <= %(hh_limit)s::integer)
    RETURNING id, booked
), b AS (
    INSERT INTO booking_booking ({booking_columns}) SELECT {booking_values} FROM unit
    RETURNING booking_no, seq
), m AS (
    INSERT INTO core_outboundmessage ({message_columns}) SELECT {message_values} FROM b
    RETURNING id
)
SELECT (SELECT n FROM hh), b.booking_no, b.seq, (SELECT count(*) FROM m)
FROM (SELECT 1) AS one LEFT JOIN b ON true
"""
_write: tuple[str, dict[str, object]] | None = None


def _columns(model: type, given: dict[str, str], prefix: str) -> tuple[str, str, dict[str, object]]:
    columns, values, defaults = [], [], {}
    for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.column in given:
            values.append(given[f.column])
        elif f.null and not f.has_default():
            values.append("NULL")
        else:
            key = f"{prefix}{f.column}"
            defaults[key] = f.get_db_prep_save(f.get_default(), connection)
            values.append(f"%({key})s::{f.db_type(connection)}")
    return ", ".join(columns), ", ".join(values), defaults


def _write_sql() -> tuple[str, dict[str, object]]:
    global _write
    if _write is None:
        from fangkong.core.models import OutboundMessage

        bc, bv, bd = _columns(Booking, BOOKING_VALUES, "b_")
        mc, mv, md = _columns(OutboundMessage, MESSAGE_VALUES, "m_")
        sql = WRITE_TEMPLATE.format(
            booking_columns=bc, booking_values=bv, message_columns=mc, message_values=mv
        )
        _write = (sql, {**bd, **md})
    return _write


def _round(round_id: int) -> Round | None:
    now = time.monotonic()
    hit = _rounds.get(round_id)
    if hit is None or hit[0] < now:
        found = Round.objects.exclude(status=RoundStatus.DRAFT).filter(pk=round_id).first()
        _rounds[round_id] = hit = (now + ROUND_TTL, found)
    return hit[1]


def _errors(field: str, message: str, status: int, **extra: object) -> JsonResponse:
    return JsonResponse(
        {**extra, "errors": {field: [message]}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_POST
def booking_lean(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _round(round_id)
    if round_ is None:
        return JsonResponse({"detail": "Not Found"}, status=404)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _errors("__all__", "请求内容不是有效的 JSON。", 422)
    if payload.get("members"):
        return _errors("members", "not in the prototype", 501)
    form = BookingForm(
        {
            "name": payload.get("name", ""),
            "id_type": payload.get("id_type", "resident_id"),
            "id_number": str(payload.get("id_number", "")),
            "phone": str(payload.get("phone", "")),
            "address_id": payload.get("address_id") or "",
            "address_text": payload.get("address_text") or "",
            "town_code": payload.get("town_code") or "",
            "household_size": str(payload.get("household_size", 1)),
            "consent": "on" if payload.get("consent") else "",
        }
    )
    if not form.is_valid():
        return JsonResponse(
            {"errors": {f: [str(m) for m in ms] for f, ms in form.errors.items()}}, status=422
        )
    if not round_.is_open_at():
        return _errors("__all__", f"{round_.name}已停止预约。", 422)
    data = form.booking_data([])
    address = data.address
    if address is None or round_.total_quota is not None:
        return _errors("address_id", "not in the prototype", 501)
    committee = address.committee
    params = {
        "round": round_.pk,
        "address": address.pk,
        "committee": committee.pk,
        "enforce": round_.allocation == Allocation.REGISTRATION_ORDER,
        "hh_limit": round_.per_household_limit or 0,
        "prefix": f"B{round_.pk}-{committee.code}-",
        "district": data.town.district_id,
        "town": data.town.pk,
        "name": data.applicant.name,
        "id_type": data.applicant.id_type,
        "id_number": data.applicant.id_number,
        "phone": data.phone,
        "address_text": data.address_text,
        "compound": address.compound,
        "household": data.household_size,
        "quantity": round_.per_person_limit,
        "round_name": round_.name,
        "committee_name": committee.name,
    }
    try:
        with connection.cursor() as cursor:  # autocommit: the statement is its own transaction
            sql, defaults = _write_sql()
            cursor.execute(sql, {**defaults, **params})
            already, booking_no, seq, _messages = cursor.fetchone()
    except IntegrityError:
        existing = (
            Booking.objects.filter(
                round_id=round_.pk,
                id_type=data.applicant.id_type,
                id_number=data.applicant.id_number,
            )
            .values_list("booking_no", flat=True)
            .first()
        )
        if existing is None:
            raise
        return _errors(
            "id_number", f"该证件本轮已预约，预约编号 {existing}。", 409, booking_no=existing
        )
    if booking_no is None:
        if round_.per_household_limit and already + 1 > round_.per_household_limit:
            return _errors(
                "address_id",
                f"同一户本轮最多预约{round_.per_household_limit}人，该地址已有{already}人预约。",
                422,
            )
        return _errors("__all__", "您所在居委会本轮额度已约满，请关注下一轮预约。", 422)
    return JsonResponse(
        {
            "booking_no": booking_no,
            "status": "pending",
            "queue_position": seq,
            "committee_code": committee.code,
            "town_code": data.town.code,
            "members": [],
        },
        status=201,
    )

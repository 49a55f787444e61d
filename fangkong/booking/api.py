"""Booking API: open rounds, booking submission, and the resident's own look-up.

The request body is parsed leniently and validated with ``BookingForm``'s fields and rules
(``forms.validate_booking``, without building a form per request), so the page and the API give
the same messages in ``{"errors": {"field": [...]}}``: Chinese by default,
English for ``Accept-Language: en``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Router, Schema, Status

from fangkong.core.masking import mask_name

from . import lookup as lookup_service
from . import pg_write
from .forms import MemberForm, Person, clean_booking_fields, finish_booking_data, validate_members
from .identity import validate_identity
from .models import Booking, BookingSource, IdType
from .queries import round_for_booking, rounds_public
from .services import BookingError, DuplicateBooking, booking_create

router = Router(tags=["预约"])


class RoundOut(Schema):
    id: int
    goods: str
    name: str
    opens_at: datetime
    closes_at: datetime
    status: str
    per_person_limit: int


class MemberIn(Schema):
    name: str = ""
    id_type: str = IdType.RESIDENT_ID
    id_number: str | int = ""


class BookingIn(Schema):
    name: str = ""
    id_type: str = IdType.RESIDENT_ID
    id_number: str | int = ""
    phone: str | int = ""
    address_id: str | None = None
    address_text: str | None = None
    town_code: str | None = None
    household_size: int | str | None = 1
    consent: bool | None = None
    email: str | None = None
    members: list[MemberIn] = []


class MemberOut(Schema):
    booking_no: str
    name: str
    queue_position: int


class BookingOut(Schema):
    booking_no: str
    status: str
    queue_position: int
    committee_code: str | None
    town_code: str
    members: list[MemberOut] = []


class Errors(Schema):
    errors: dict[str, list[str]]


class DuplicateOut(Schema):
    booking_no: str
    errors: dict[str, list[str]]


class LookupCodeIn(Schema):
    id_type: str = IdType.RESIDENT_ID
    id_number: str | int = ""
    phone: str | int = ""


class LookupIn(LookupCodeIn):
    code: str | int = ""


class Message(Schema):
    detail: str


class LookupBookingOut(Schema):
    booking_no: str
    round: str
    status: str
    status_label: str
    queue_position: int
    committee: str | None
    town: str
    created_at: datetime


class LookupOut(Schema):
    bookings: list[LookupBookingOut]


def _too_many(request: HttpRequest, group: str, rate: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=rate, increment=True)


@router.get("/rounds", response=list[RoundOut], summary="可预约轮次（开放中的在前）")
def list_rounds(request: HttpRequest) -> list[RoundOut]:
    return [
        RoundOut(
            id=r.pk,
            goods=r.goods.name,
            name=r.name,
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            status=r.status,
            per_person_limit=r.per_person_limit,
        )
        for r in rounds_public()[:50]
    ]


@router.post(
    "/rounds/{round_id}/bookings",
    response={201: BookingOut, 409: DuplicateOut, 422: Errors, 429: Errors},
    summary="提交预约",
)
def create_booking(request: HttpRequest, round_id: int, payload: BookingIn):  # type: ignore[no-untyped-def]
    if _too_many(request, "api-booking", "120/m"):
        return Status(429, {"errors": {"__all__": [_("请求过于频繁，请稍后再试。")]}})
    round_ = round_for_booking(round_id)
    if round_ is None:
        raise Http404
    fields, errors = clean_booking_fields(
        {
            "name": payload.name,
            "id_type": payload.id_type,
            "id_number": str(payload.id_number),
            "phone": str(payload.phone),
            "address_id": payload.address_id or "",
            "address_text": payload.address_text or "",
            "town_code": payload.town_code or "",
            "household_size": "" if payload.household_size is None else str(payload.household_size),
            "consent": "on" if payload.consent else "",
            "email": payload.email or "",
        }
    )
    address_key = (fields.get("address_id") or "").strip()
    if not errors and address_key and not payload.members:
        # The common case, one round trip: the write looks the room up itself. None: not
        # written (no such room, a refusal, a duplicate): the full path below explains.
        fast = pg_write.booking_write_keyed(
            round_=round_, applicant=Person(fields["name"], fields["id_type"], fields["id_number"]),
            phone=fields["phone"], email=fields.get("email") or "", household_size=fields["household_size"],
            address_key=address_key, source=BookingSource.API, now=timezone.now(),
        )
        if fast is not None:
            return _created(request, {
                "booking_no": fast.booking_no, "status": fast.status, "queue_position": fast.seq,
                "committee_code": fast.committee_code, "town_code": fast.town_code, "members": [],
            })
    data, errors = finish_booking_data(fields, errors)
    if data is None:
        return Status(422, {"errors": errors})
    if payload.members:
        member_forms = [
            MemberForm({"name": m.name, "id_type": m.id_type, "id_number": str(m.id_number)}) for m in payload.members
        ]
        people, member_errors = validate_members(member_forms, data.applicant.id_number)
        if member_errors:
            return Status(422, {"errors": member_errors})
        data = replace(data, members=tuple(people))
    try:
        outcome = booking_create(round_=round_, data=data, source=BookingSource.API, request=request)
    except DuplicateBooking as exc:
        return Status(409, {"booking_no": exc.existing.booking_no, "errors": {exc.field: [exc.message]}})
    except BookingError as exc:
        return Status(422, {"errors": {exc.field: [exc.message]}})
    return _created(request, _booking_out(outcome.booking, outcome.members))


def _created(request: HttpRequest, body: dict) -> HttpResponse:
    """The 201, rendered as ninja renders it, without re-validating our own dict against
    ``BookingOut`` (the schema stays the documented contract; tests check the fields)."""
    from fangkong.api import api

    return api.create_response(request, body, status=201)


def _booking_out(booking: Booking, members: list[Booking]) -> dict:
    return {
        "booking_no": booking.booking_no,
        "status": booking.status,
        "queue_position": booking.seq,
        "committee_code": booking.committee.code if booking.committee else None,
        "town_code": booking.town.code,
        "members": [{"booking_no": m.booking_no, "name": mask_name(m.name), "queue_position": m.seq} for m in members],
    }


@router.post("/lookup/code", response={202: Message, 422: Errors, 429: Errors}, summary="发送查询验证码")
def send_lookup_code(request: HttpRequest, payload: LookupCodeIn):  # type: ignore[no-untyped-def]
    id_number, phone, errors = validate_identity(payload.id_type, str(payload.id_number), str(payload.phone))
    if errors:
        return Status(422, {"errors": errors})
    try:
        lookup_service.lookup_code_request(request=request, id_number=id_number, phone=phone)
    except lookup_service.LookupError_ as exc:
        return Status(exc.status, {"errors": {exc.field: [exc.message]}})
    return Status(202, {"detail": _("如果证件号码和手机号码与预约记录一致，验证码已发送。")})


@router.post("/lookup", response={200: LookupOut, 422: Errors, 429: Errors}, summary="凭证件号、手机号和验证码查询预约")
def lookup_bookings(request: HttpRequest, payload: LookupIn):  # type: ignore[no-untyped-def]
    id_number, phone, errors = validate_identity(payload.id_type, str(payload.id_number), str(payload.phone))
    if errors:
        return Status(422, {"errors": errors})
    try:
        bookings = lookup_service.lookup_bookings(
            request=request, id_number=id_number, phone=phone, code=str(payload.code)
        )
    except lookup_service.LookupError_ as exc:
        return Status(exc.status, {"errors": {exc.field: [exc.message]}})
    return Status(200, {
        "bookings": [
            {
                "booking_no": b.booking_no,
                "round": b.round.name,
                "status": b.status,
                "status_label": b.get_status_display(),
                "queue_position": b.seq,
                "committee": b.committee.name if b.committee else None,
                "town": b.town.name,
                "created_at": b.created_at,
            }
            for b in bookings
        ]
    })

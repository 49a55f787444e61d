"""Writes of the booking domain: rounds and residents' bookings.

``booking_create`` is the hot path of the resident page. Its order of statements is chosen for
concurrency: the committee's queue counter is taken with one conditional UPDATE (which also
enforces the committee quota), the booking INSERT relies on the unique constraint for "one per
person per round", and the round-wide quota UPDATE comes last so its row lock is held briefly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_email, queue_sms
from fangkong.orgs.models import Committee, District, Role, Town

from . import pg_write
from .forms import BookingData, Person
from .models import Allocation, Booking, BookingSource, Goods, Round, RoundStatus, RoundUnit


class BookingError(UserError):
    """A booking that cannot be made; ``message`` is shown to the resident as is."""


class RoundNotOpen(BookingError):
    code = "round_not_open"


class QuotaExhausted(BookingError):
    code = "quota_exhausted"


class HouseholdLimit(BookingError):
    code = "household_limit"


class MemberAlreadyBooked(BookingError):
    code = "member_already_booked"


class DuplicateBooking(BookingError):
    code = "duplicate"

    def __init__(self, existing: Booking) -> None:
        message = _("该证件本轮已预约，预约编号 {booking_no}。").format(booking_no=existing.booking_no)
        super().__init__(message, field="id_number")
        self.existing = existing


@dataclass
class BookingOutcome:
    booking: Booking
    members: list[Booking] = field(default_factory=list)


# The bookings of one room in this round, found through the address index (a handful of rows
# over all rounds). ``round_id + 0`` keeps PostgreSQL off the round-leading indexes: right after
# a round opens the statistics say "1 row" for it, and it picked (round_id, created_at) and
# counted every booking of the round, per booking (measured: 1.5 ms at 2,500 bookings, growing).
HOUSEHOLD_COUNT_SQL = "(SELECT count(*) FROM booking_booking WHERE address_id = %s AND round_id + 0 = %s)"


def _take_places(
    round_: Round, *, committee_id: int | None, town_id: int, count: int, household_address_id: int | None
) -> tuple[int, int, int]:
    """Take ``count`` places in the desk's queue in one conditional UPDATE (which also enforces
    the committee quota); return (unit id, first queue number, bookings already at the address).

    The household count rides on the same statement (RETURNING a subquery) to save a round trip;
    the caller rolls the whole transaction back when it is over the limit.
    """
    enforce = round_.allocation == Allocation.REGISTRATION_ORDER
    quota_sql = "AND (quota IS NULL OR booked + %s <= quota)" if enforce else ""
    if committee_id is not None:
        where, params = "round_id = %s AND committee_id = %s", [round_.pk, committee_id]
    else:
        where, params = "round_id = %s AND town_id = %s AND committee_id IS NULL", [round_.pk, town_id]
    household_sql = HOUSEHOLD_COUNT_SQL
    sql = (
        f"UPDATE booking_roundunit SET booked = booked + %s WHERE {where} {quota_sql} "  # noqa: S608
        f"RETURNING id, booked, {household_sql if household_address_id is not None else '0'}"
    )
    args: list[int] = [count, *params, *([count] if enforce else [])]
    if household_address_id is not None:
        args += [household_address_id, round_.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        row = cursor.fetchone()
    if row is None:
        exists = RoundUnit.objects.filter(round=round_, town_id=town_id, committee=committee_id).exists()
        if exists:
            raise QuotaExhausted(_("您所在居委会本轮额度已约满，请关注下一轮预约。"))
        RoundUnit.objects.create(round=round_, town_id=town_id, committee_id=committee_id)
        return _take_places(
            round_, committee_id=committee_id, town_id=town_id, count=count, household_address_id=household_address_id
        )
    unit_id, last_seq, household = int(row[0]), int(row[1]), int(row[2])
    return unit_id, last_seq - count + 1, household


def _lock_household(address_pk: int) -> None:
    """Serialise bookings of one address, so the household count that follows is exact.

    On PostgreSQL this is ``pg_write.HOUSEHOLD_LOCK_SQL`` (an advisory lock on the room) and the
    count rides on the next statement, whose snapshot is taken after the lock is granted; the holder released it only after its commit became visible, so the count
    sees the bookings of whoever held it before. Only bookings of the same room wait for each
    other. SQLite runs one writing transaction at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(pg_write.HOUSEHOLD_LOCK_SQL, [address_pk])


def _take_round_quota(round_: Round, count: int) -> None:
    if round_.total_quota is None or round_.allocation != Allocation.REGISTRATION_ORDER:
        return
    taken = Round.objects.filter(pk=round_.pk, total_booked__lte=F("total_quota") - count).update(
        total_booked=F("total_booked") + count
    )
    if not taken:
        raise QuotaExhausted(_("本轮预约额度已全部约满，请关注下一轮预约。"))


def booking_create(
    *,
    round_: Round,
    data: BookingData,
    source: str = BookingSource.WEB,
    actor: Any = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> BookingOutcome:
    """Book ``data.applicant`` (and proxy members) into ``round_``; queue the SMS.

    Raises ``DuplicateBooking`` when the applicant already holds a booking in this round (a
    repeated submit), and other ``BookingError``s with a message for the resident.
    """
    now = now or timezone.now()
    if not round_.is_open_at(now):
        if round_.status == RoundStatus.OPEN and now < round_.opens_at:
            # Translators: a date format for django.utils.dateformat (m: month, d: day, H:i: time).
            opens = dateformat.format(timezone.localtime(round_.opens_at), _("m月d日 H:i"))
            raise RoundNotOpen(_("{round}尚未开始，开始时间 {opens}。").format(round=round_.name, opens=opens))
        raise RoundNotOpen(_("{round}已停止预约。").format(round=round_.name))
    if round_.town_id is not None and data.town.pk != round_.town_id:
        raise BookingError(
            _("{round}仅限{town}居民预约。").format(round=round_.name, town=round_.town), field="address_id"
        )
    people = [data.applicant, *data.members]
    address = data.address
    committee_id = address.committee_id if address else None
    try:
        if pg_write.applies(round_, data, source=source, actor=actor):
            # One round trip on PostgreSQL; None: nothing written (a refusal, or a case that
            # path leaves to this one), so the ORM path below decides and explains.
            booking = pg_write.booking_write(round_=round_, data=data, source=source, now=now)
            if booking is not None:
                return BookingOutcome(booking=booking)
        with transaction.atomic():
            check_household = address is not None and bool(round_.per_household_limit)
            if check_household and address is not None:
                _lock_household(address.pk)
            unit_id, first_seq, already = _take_places(
                round_,
                committee_id=committee_id,
                town_id=data.town.pk,
                count=len(people),
                household_address_id=address.pk if check_household and address else None,
            )
            if check_household and already + len(people) > round_.per_household_limit:
                raise HouseholdLimit(
                    _("同一户本轮最多预约{limit}人，该地址已有{already}人预约。").format(
                        limit=round_.per_household_limit, already=already
                    ),
                    field="address_id",
                )
            created: list[Booking] = []
            for offset, person in enumerate(people):
                created.append(
                    _insert_booking(
                        round_=round_,
                        person=person,
                        data=data,
                        unit_id=unit_id,
                        seq=first_seq + offset,
                        source=source,
                        proxy_of=created[0] if created else None,
                        now=now,
                    )
                )
            _take_round_quota(round_, len(people))
            lead = created[0]
            _queue_confirmation(lead, round_, data)
            if lead.committee_id is None:  # typed address: the worker matches it (services_address.py)
                from .services_address import booking_request_address_match

                booking_request_address_match(lead)
            if source == BookingSource.DESK and actor is not None:
                for booking in created:
                    audit_log(
                        actor=actor,
                        action="booking.desk_create",
                        object_type="booking",
                        object_id=booking.booking_no,
                        district_id=booking.district_id,
                        town_id=booking.town_id,
                        committee_id=booking.committee_id,
                        request=request,
                    )
    except IntegrityError:
        existing = _existing_booking(round_, data.applicant)
        if existing is not None:
            raise DuplicateBooking(existing) from None
        for index, member in enumerate(data.members, start=1):
            if _existing_booking(round_, member) is not None:
                raise MemberAlreadyBooked(
                    _("第{index}位家庭成员本轮已预约，请勿重复代约。").format(index=index), field="members"
                ) from None
        raise
    return BookingOutcome(booking=created[0], members=created[1:])


def _insert_booking(
    *,
    round_: Round,
    person: Person,
    data: BookingData,
    unit_id: int,
    seq: int,
    source: str,
    proxy_of: Booking | None,
    now: datetime,
) -> Booking:
    address = data.address
    committee = address.committee if address else None
    unit_code = committee.code if committee else f"{data.town.code}X"
    return Booking.objects.create(
        round=round_,
        booking_no=f"B{round_.pk}-{unit_code}-{seq:05d}",
        seq=seq,
        unit_id=unit_id,
        district_id=data.town.district_id,
        town=data.town,
        committee=committee,
        name=person.name,
        id_type=person.id_type,
        id_number=person.id_number,
        phone=data.phone,
        email=data.email,
        address=address,
        address_text=data.address_text,
        compound=address.compound if address else "",
        household_size=data.household_size,
        quantity=round_.per_person_limit,
        proxy_of=proxy_of,
        source=source,
        consent_at=now,
        created_at=now,
    )


def _queue_confirmation(lead: Booking, round_: Round, data: BookingData) -> None:
    """The confirmation SMS (and e-mail when one was given), in the booking's transaction."""
    names = "、".join(p.name for p in (data.applicant, *data.members))
    variables: dict[str, Any] = {"name": names, "round": round_.name, "booking_no": lead.booking_no}
    if lead.committee is not None:
        template = "booking_created"
        variables.update(queue_position=lead.seq, committee=lead.committee.name)
    else:
        template = "booking_unresolved"
        variables.update(town=data.town.name)
    queue_sms(
        phone=data.phone, template=template, variables=variables, key=f"booking_created:{lead.booking_no}", new_event=True
    )
    if data.email:
        queue_email(
            to=data.email, template=template, variables=variables, key=f"booking_created_email:{lead.booking_no}",
            new_event=True,
        )


def _existing_booking(round_: Round, person: Person) -> Booking | None:
    return Booking.objects.filter(round=round_, id_type=person.id_type, id_number=person.id_number).first()


@transaction.atomic
def round_create(
    *,
    actor: Any,
    district: District,
    goods: Goods,
    number: int,
    town: Town | None = None,
    opens_at: datetime,
    closes_at: datetime,
    per_person_limit: int = 5,
    per_household_limit: int = 5,
    total_quota: int | None = None,
    committee_quota: int | None = None,
    allocation: str = Allocation.REGISTRATION_ORDER,
    name: str = "",
    status: str = RoundStatus.DRAFT,
) -> Round:
    """Create a round with one queue per committee (and one "unresolved" queue per town)."""
    if actor is None or actor.role not in (Role.DISTRICT_OFFICER, Role.TOWN_OFFICER, Role.SYSTEM_ADMIN) or not actor.has_perm(
        "orgs.manage_rounds"
    ):
        raise PermissionError(_("只有区级或街镇工作人员可以创建预约轮次。"))
    if actor.role == Role.TOWN_OFFICER and (town is None or town.pk != actor.town_id):
        raise PermissionError(_("街镇工作人员只能为本街镇创建预约轮次。"))
    if actor.district_id != district.pk:
        raise PermissionError(_("只能为本区创建预约轮次。"))
    round_ = Round.objects.create(
        district=district,
        town=town,
        goods=goods,
        number=number,
        name=name or f"{goods.name} · 第{_cn_number(number)}轮" + (f"（{town.name}）" if town else ""),
        opens_at=opens_at,
        closes_at=closes_at,
        per_person_limit=per_person_limit,
        per_household_limit=per_household_limit,
        total_quota=total_quota,
        allocation=allocation,
        status=status,
        created_by=actor,
    )
    committees = Committee.objects.filter(district=district)
    towns = district.towns.all()
    if town is not None:
        committees, towns = committees.filter(town=town), towns.filter(pk=town.pk)
    RoundUnit.objects.bulk_create(
        [
            RoundUnit(round=round_, committee_id=c, town_id=t, quota=committee_quota, lottery=allocation == Allocation.LOTTERY)
            for c, t in committees.values_list("pk", "town_id")
        ]
        + [RoundUnit(round=round_, town_id=t) for t in towns.values_list("pk", flat=True)]
    )
    audit_log(
        actor=actor,
        action="round.create",
        object_type="round",
        object_id=round_.pk,
        district_id=district.pk,
        town_id=town.pk if town else None,
        detail={"name": round_.name, "status": status, "town": town.name if town else None},
    )
    return round_


ROUND_TRANSITIONS = {
    RoundStatus.DRAFT: {RoundStatus.OPEN},
    RoundStatus.OPEN: {RoundStatus.CLOSED},
    RoundStatus.CLOSED: {RoundStatus.OPEN, RoundStatus.ALLOCATED},
    RoundStatus.ALLOCATED: set(),
}


def round_set_status(*, actor: Any, round_: Round, status: str) -> Round:
    """Open, close or reopen a round; only its district's officers, or its own town's."""
    if not actor.has_perm("orgs.manage_rounds") or not Round.objects.visible_to(actor).filter(pk=round_.pk).exists():
        raise PermissionError(_("没有管理该预约轮次的权限。"))
    if actor.role == Role.TOWN_OFFICER and round_.town_id != actor.town_id:
        raise PermissionError(_("全区轮次由区级工作人员管理。"))
    if status not in ROUND_TRANSITIONS.get(RoundStatus(round_.status), set()):
        raise ValueError(
            _("轮次不能从“{old}”变为“{new}”。").format(old=round_.get_status_display(), new=RoundStatus(status).label)
        )
    if status == RoundStatus.ALLOCATED:
        raise ValueError(_("请使用“分配/摇号”完成分配。"))
    from .allocation import seed_fields_for

    seed = seed_fields_for(round_, status)
    Round.objects.filter(pk=round_.pk).update(status=status, **seed)
    round_.status = status
    for name, value in seed.items():
        setattr(round_, name, value)
    audit_log(
        actor=actor, action="round.status", object_type="round", object_id=round_.pk, district_id=round_.district_id,
        detail={"status": status, **({"lottery_seed": seed["lottery_seed"]} if seed.get("lottery_seed") else {})},
    )
    return round_


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)




def booking_reveal(*, actor: Any, booking: Booking, request: HttpRequest | None = None) -> bool:
    """Record that ``actor`` opened the unmasked record; return whether they may see it."""
    allowed = bool(actor.has_perm("orgs.unmask_personal_data"))
    audit_log(
        actor=actor,
        action="booking.unmask" if allowed else "booking.view_masked",
        object_type="booking",
        object_id=booking.booking_no,
        district_id=booking.district_id,
        town_id=booking.town_id,
        committee_id=booking.committee_id,
        request=request,
        detail={"fields": ["name", "id_number", "phone", "address"]} if allowed else {},
    )
    return allowed

"""Booking's side of the address review queue (``fangkong.addresses.sources``).

A booking whose address the resident typed (no room picked) starts in its town's "address
unresolved" queue and is sent to the matcher (``booking_request_address_match``, in the
booking's transaction). When the matcher or a town officer places the address,
``booking_set_address`` re-routes the booking (and the household members booked with it) to the
committee's queue: it takes places there like a new registration (the committee's quota
applies), keeps its booking number, and tells the resident by SMS which committee has it.

Counters (booking/dashboard_counters.py): the town queue's ``booked`` only ever grows (its queue
numbers must not be reused), so a booking leaving it is counted there as ``MOVED_OUT``, which
the dashboards subtract; a counted registration hour and a non-pending status move with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.addresses.models import AddressReview, StandardAddress
from fangkong.addresses.services_review import address_review_request
from fangkong.addresses.sources import ROUTED, Resolution, SourceRefused
from fangkong.core.audit import audit_log
from fangkong.core.messaging import queue_sms
from fangkong.orgs.models import Committee

from .dashboard_counters import MOVED_OUT, floor_hour, local_day
from .models import (
    Booking,
    BookingStatus,
    RoundHoursMark,
    RoundStatus,
    TownHourCount,
    UnitHourCount,
    UnitStatusCount,
)

SOURCE = "booking"
MOVABLE = (BookingStatus.PENDING, BookingStatus.ON_HOLD)


def booking_request_address_match(lead: Booking) -> AddressReview:
    """Queue the lead booking's typed address for matching (its members follow the lead)."""
    return address_review_request(
        source=SOURCE, source_ref=str(lead.pk), text=lead.address_text, district_id=lead.district_id,
        town_id=lead.town_id, source_label=lead.booking_no,
    )


def booking_request_pending_matches(*, round_id: int | None = None) -> int:
    """Queue the typed addresses of unresolved bookings that were never sent to the matcher
    (made before the review queue existed); return how many. Idempotent."""
    asked = set(AddressReview.objects.filter(source=SOURCE).values_list("source_ref", flat=True))
    leads = Booking.objects.filter(committee__isnull=True, proxy_of__isnull=True, status__in=MOVABLE)
    if round_id is not None:
        leads = leads.filter(round_id=round_id)
    n = 0
    for lead in leads.order_by("pk").iterator(chunk_size=2000):
        if str(lead.pk) not in asked:
            with transaction.atomic():
                booking_request_address_match(lead)
            n += 1
    return n


def _upsert(table: str, key_columns: tuple[str, ...], key: tuple[Any, ...], delta: int) -> None:
    columns = ", ".join((*key_columns, "n"))
    marks = ", ".join(["%s"] * (len(key_columns) + 1))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 - table and column names are ours
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET n = {table}.n + EXCLUDED.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, delta])


def _move_counters(booking: Booking, *, old_unit_id: int, old_town_id: int, new_unit_id: int, new_town_id: int,
                   mark: datetime | None) -> None:
    status_table = UnitStatusCount._meta.db_table
    status_key = ("unit_id", "status", "created_on")
    day = local_day(booking.created_at)
    _upsert(status_table, status_key, (old_unit_id, MOVED_OUT, day), 1)
    if booking.status != BookingStatus.PENDING:
        _upsert(status_table, status_key, (old_unit_id, booking.status, day), -1)
        _upsert(status_table, status_key, (new_unit_id, booking.status, day), 1)
    if mark is not None and booking.created_at < mark:  # its hour was counted under the old queue
        # As the ORM writes it (SQLite: naive UTC text), so the upsert meets hours_close's row.
        hour = connection.ops.adapt_datetimefield_value(floor_hour(booking.created_at))
        _upsert(UnitHourCount._meta.db_table, ("unit_id", "hour"), (old_unit_id, hour), -1)
        _upsert(UnitHourCount._meta.db_table, ("unit_id", "hour"), (new_unit_id, hour), 1)
        if old_town_id != new_town_id:
            town_key = ("round_id", "town_id", "hour")
            _upsert(TownHourCount._meta.db_table, town_key, (booking.round_id, old_town_id, hour), -1)
            _upsert(TownHourCount._meta.db_table, town_key, (booking.round_id, new_town_id, hour), 1)


@transaction.atomic
def booking_set_address(
    *,
    booking_id: int,
    committee: Committee,
    address: StandardAddress | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> list[Booking]:
    """Re-route an unresolved booking and its household members to ``committee`` (with the room
    when known); return the bookings moved. A booking already routed, or already decided
    (rejected, …), is left as it is. Raises ``SourceRefused`` when the committee cannot take it."""
    from .services import BookingError, _take_places

    lead = Booking.objects.select_for_update().select_related("round").filter(pk=booking_id).first()
    if lead is None:
        raise SourceRefused(_("该预约已不存在。"))
    if lead.committee_id is not None:
        return []
    members = list(Booking.objects.select_for_update().filter(proxy_of=lead, committee__isnull=True).order_by("pk"))
    movable = [b for b in (lead, *members) if b.status in MOVABLE]
    if not movable:
        return []
    round_ = lead.round
    if round_.status == RoundStatus.ALLOCATED:
        raise SourceRefused(_("“{round}”已完成分配，不能再分派到居委会。").format(round=round_.name))
    if round_.town_id is not None and committee.town_id != round_.town_id:
        raise SourceRefused(
            _("该地址属于{committee}，不在“{round}”的预约范围内。").format(committee=committee.name, round=round_.name)
        )
    try:
        unit_id, first_seq, _household = _take_places(
            round_, committee_id=committee.pk, town_id=committee.town_id, count=len(movable), household_address_id=None
        )
    except BookingError:
        raise SourceRefused(_("{committee}本轮额度已约满，无法分派。").format(committee=committee.name)) from None
    mark = RoundHoursMark.objects.filter(round_id=round_.pk).values_list("until", flat=True).first()
    for offset, booking in enumerate(movable):
        old_unit_id, old_town_id = booking.unit_id, booking.town_id
        changes: dict[str, Any] = {
            "unit_id": unit_id, "seq": first_seq + offset, "committee": committee, "town_id": committee.town_id,
            "address": address, "compound": address.compound if address else "",
        }
        Booking.objects.filter(pk=booking.pk).update(**changes)
        _move_counters(
            booking, old_unit_id=old_unit_id, old_town_id=old_town_id, new_unit_id=unit_id,
            new_town_id=committee.town_id, mark=mark,
        )
        for name, value in changes.items():
            setattr(booking, name, value)
        audit_log(
            actor=actor, action="booking.reroute", object_type="booking", object_id=booking.booking_no,
            district_id=booking.district_id, town_id=committee.town_id, committee_id=committee.pk, request=request,
            detail={
                "from_town_id": old_town_id, "committee": committee.code,
                "address_id": address.address_id if address else "", "by": "matcher" if actor is None else "staff",
            },
        )
    queue_sms(
        phone=lead.phone, template="booking_rerouted",
        variables={
            "name": "、".join(b.name for b in movable), "round": round_.name, "booking_no": lead.booking_no,
            "committee": committee.name, "queue_position": movable[0].seq,
        },
        key=f"booking_rerouted:{lead.booking_no}",
    )
    return movable


def on_address_resolved(resolution: Resolution) -> None:
    """The review queue's callback: routed → re-route; rejected → the booking stays in the town
    queue, where the town decides it (e.g. 不通过 · 非本辖区居民)."""
    if resolution.outcome != ROUTED or resolution.committee is None:
        return
    booking_set_address(
        booking_id=int(resolution.review.source_ref), committee=resolution.committee, address=resolution.address,
        actor=resolution.actor, request=resolution.request,
    )


def review_link(review: AddressReview) -> str:
    return reverse("desk:booking", args=[int(review.source_ref)])



"""Writes of the pickup app: issuing vouchers on approval, redeeming them, stock, expiry.

Point assignment (``_reserve``): the committee's own point (``PickupPoint.committee``) if it has
stock left for the round; otherwise the town's active point with the most stock not yet promised
to a voucher (ties: the older point). Reserving is a conditional ``UPDATE … SET issued = issued
+ q WHERE issued + q <= quantity``; if another approval took the last units first, the next
candidate is tried.

No stock anywhere in the town: the approval stands (eligibility is the committee's decision),
the booking stays 已通过 and the resident gets the "approved, time and place follow" SMS; the
voucher is issued when the town enters stock (``stock_set`` → ``vouchers_issue_waiting``), in
approval order.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, ExpressionWrapper, F, FloatField, IntegerField, Value, When
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from fangkong.addresses.models import StandardAddress
from fangkong.booking.models import Booking, BookingStatus, Round
from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.masking import mask_name
from fangkong.core.messaging import queue_email, queue_sms

from .codes import new_code, token_for
from .models import PickupPoint, PickupStock, Redemption, RoundPickupSetting, Voucher
from .windows import DEFAULT_WINDOW_DAYS, pickup_window, window_display, window_label

S = BookingStatus


class RedeemError(UserError):
    """A redemption a clerk cannot make; ``message`` is shown on the clerk's page."""


class AlreadyRedeemed(RedeemError):
    code = "already_redeemed"


class WrongPoint(RedeemError):
    code = "wrong_point"


class OutsideWindow(RedeemError):
    code = "outside_window"


class NotRedeemable(RedeemError):
    code = "not_redeemable"


class OutOfStock(RedeemError):
    code = "out_of_stock"


class StockError(UserError):
    code = "stock"


def _local(value: datetime) -> str:
    return dateformat.format(timezone.localtime(value), _("n月j日 H:i"))


def already_redeemed_message(voucher: Voucher) -> str:
    point = voucher.redeemed_point or voucher.point
    return _("已领取 于 {at} 在 {point}").format(at=_local(voucher.redeemed_at), point=point.name) if voucher.redeemed_at else ""


def window_days(round_id: int) -> int:
    setting = RoundPickupSetting.objects.filter(round_id=round_id).values_list("window_days", flat=True).first()
    return setting or DEFAULT_WINDOW_DAYS


def _nearness(booking: Booking) -> Any:
    """Squared distance (degrees, longitude scaled by cos(latitude): plenty within one town) from
    the booking's room to a point; NULL when either has no coordinates."""
    where = None
    if booking.address_id is not None:
        where = StandardAddress.objects.filter(pk=booking.address_id).values_list("lng", "lat").first()
    lng, lat = where if where is not None else (None, None)
    if lng is None or lat is None:
        return Value(None, output_field=FloatField())
    dx = Cast("point__lng", FloatField()) - Value(lng)
    dy = Cast("point__lat", FloatField()) - Value(lat)
    return ExpressionWrapper(dx * dx * Value(math.cos(math.radians(lat)) ** 2) + dy * dy, output_field=FloatField())


def _reserve(booking: Booking, now: datetime) -> PickupStock | None:
    """Take stock for the booking at its committee's own point, else the nearest point of its town
    with stock left (points without coordinates after those with), else the one with most left."""
    q = booking.quantity
    candidates = (
        PickupStock.objects.filter(round_id=booking.round_id, point__town_id=booking.town_id, point__active=True,
                                   issued__lte=F("quantity") - q)
        .annotate(own=Case(When(point__committee_id=booking.committee_id, then=0), default=1, output_field=IntegerField()),
                  free=F("quantity") - F("issued"), distance=_nearness(booking))
        .order_by("own", F("distance").asc(nulls_last=True), "-free", "point_id")
        .select_related("point")
    )
    for stock in candidates:
        taken = PickupStock.objects.filter(pk=stock.pk, issued__lte=F("quantity") - q).update(
            issued=F("issued") + q, updated_at=now
        )
        if taken:
            return stock
    return None


def _issue(booking: Booking, *, actor: Any, request: HttpRequest | None, now: datetime) -> Voucher | None:
    """Reserve stock, create the voucher, move the booking to 已通知 and tell the resident."""
    from fangkong.booking.workflow import _move  # lazy: booking.workflow calls into this module

    stock = _reserve(booking, now)
    if stock is None:
        return None
    start, end = pickup_window(now, window_days(booking.round_id))
    voucher = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    booking=booking, code=new_code(), point=stock.point, quantity=booking.quantity,
                    window_start=start, window_end=end, issued_at=now,
                )
            break
        except IntegrityError:
            if Voucher.objects.filter(booking=booking).exists():
                raise
    if voucher is None:
        raise IntegrityError("no free voucher code after 5 tries")
    _move(booking, S.NOTIFIED, actor=actor, note=f"voucher:{voucher.code}", request=request, now=now)
    audit_log(
        actor=actor, action="voucher.issue", object_type="booking", object_id=booking.booking_no,
        district_id=booking.district_id, town_id=booking.town_id, committee_id=booking.committee_id, request=request,
        detail={"code": voucher.code, "point": stock.point.name, "point_id": stock.point_id,
                "window_start": start.isoformat(), "window_end": end.isoformat()},
    )
    _notify(booking, voucher)
    return voucher


def _notify(booking: Booking, voucher: Voucher) -> None:
    point = voucher.point
    goods = booking.round.goods.name
    window = window_label(voucher.window_start, voucher.window_end)
    queue_sms(
        phone=booking.phone, template="voucher_issued", key=f"voucher_issued:{booking.booking_no}", new_event=True,
        variables={"name": mask_name(booking.name), "goods": goods, "code": voucher.code_display,
                   "point": point.name, "address": point.address, "window": window},
    )
    if booking.email:
        queue_email(
            to=booking.email, template="voucher_issued", key=f"voucher_issued_email:{booking.booking_no}", new_event=True,
            variables={"name": mask_name(booking.name), "round": booking.round.name, "goods": goods,
                       "quantity": booking.quantity, "booking_no": booking.booking_no, "code": voucher.code_display,
                       "point": point.name, "address": point.address, "hours": point.opening_hours, "window": window,
                       "url": settings.SITE_URL.rstrip("/") + reverse("pickup:voucher", args=[token_for(voucher.code)])},
        )


def voucher_issue(*, actor: Any, booking: Booking, request: HttpRequest | None = None,
                  now: datetime | None = None) -> Voucher | None:
    """Called inside the approval's transaction (booking/workflow.py) for a booking just moved to
    已通过: issue its voucher, or, with no stock in the town, send the "approved" SMS and wait."""
    from fangkong.booking.workflow import _sms_variables

    now = now or timezone.now()
    voucher = _issue(booking, actor=actor, request=request, now=now)
    if voucher is None:
        queue_sms(phone=booking.phone, template="booking_approved", variables=_sms_variables(booking, S.APPROVED),
                  key=f"booking_approved:{booking.booking_no}", new_event=True)
    return voucher


def vouchers_issue_waiting(*, actor: Any, round_id: int, town_id: int, request: HttpRequest | None = None,
                           now: datetime | None = None) -> int:
    """Issue vouchers to the town's approved bookings still waiting for stock (approval order)."""
    from fangkong.booking.workflow import TransitionConflict

    now = now or timezone.now()
    waiting = (Booking.objects.filter(round_id=round_id, town_id=town_id, status=S.APPROVED, voucher__isnull=True)
               .select_related("round__goods", "committee", "town").order_by("reviewed_at", "seq"))
    issued = 0
    for booking in waiting.iterator(chunk_size=200):
        try:
            with transaction.atomic():
                if _issue(booking, actor=actor, request=request, now=now) is None:
                    break
        except TransitionConflict:
            continue
        issued += 1
    return issued


def _managed_points(actor: Any):  # type: ignore[no-untyped-def]
    if not getattr(actor, "has_perm", None) or not actor.has_perm("orgs.manage_rounds"):
        return PickupPoint.objects.none()
    return PickupPoint.objects.visible_to(actor)


def stock_set(*, actor: Any, round_: Round, point_id: int, quantity: int,
              request: HttpRequest | None = None) -> tuple[PickupStock, int]:
    """Set a point's stock for a round (town officers for their town, the district for all); then
    issue vouchers to bookings waiting for stock. Returns the stock row and vouchers issued."""
    point = _managed_points(actor).filter(pk=point_id).first()
    if point is None:
        raise StockError(_("没有找到该领取点"))
    if quantity < 0:
        raise StockError(_("库存数量不能为负数。"))
    now = timezone.now()
    with transaction.atomic():
        stock, _created = PickupStock.objects.select_for_update().get_or_create(round=round_, point=point)
        if quantity < stock.issued:
            raise StockError(
                _("“{point}”已发出 {issued} 份凭证，库存不能少于 {issued}。").format(point=point.name, issued=stock.issued)
            )
        before = stock.quantity
        stock.quantity, stock.updated_at = quantity, now
        stock.save(update_fields=["quantity", "updated_at"])
        audit_log(actor=actor, action="pickup.stock", object_type="pickup_point", object_id=point.pk,
                  district_id=point.district_id, town_id=point.town_id, committee_id=point.committee_id, request=request,
                  detail={"round": round_.pk, "from": before, "to": quantity})
    issued = vouchers_issue_waiting(actor=actor, round_id=round_.pk, town_id=point.town_id, request=request, now=now)
    return stock, issued


def voucher_redeem(*, actor: Any, voucher_id: int, point_id: int, request: HttpRequest | None = None,
                   now: datetime | None = None) -> Voucher:
    """The clerk at ``point_id`` hands out the goods of a voucher: exactly once, at its point,
    within its window; stock and booking status change in the same transaction."""
    from fangkong.booking.workflow import TransitionConflict, _move

    now = now or timezone.now()
    point = PickupPoint.objects.for_clerk(actor).filter(pk=point_id).first()
    if point is None:
        raise NotRedeemable(_("您不是该领取点的店员，不能核销。"))
    voucher = (Voucher.objects.select_related("booking__round__goods", "point", "redeemed_point")
               .filter(pk=voucher_id, point__town_id=point.town_id).first())
    if voucher is None:
        raise NotRedeemable(_("没有找到该领取码。"))
    check_redeemable(voucher, point, now)
    booking = voucher.booking
    with transaction.atomic():
        claimed = Voucher.objects.filter(pk=voucher.pk, redeemed_at__isnull=True).update(
            redeemed_at=now, redeemed_by=actor, redeemed_point=point
        )
        if not claimed:
            raise AlreadyRedeemed(already_redeemed_message(Voucher.objects.select_related("redeemed_point", "point").get(pk=voucher.pk)))
        try:
            with transaction.atomic():
                Redemption.objects.create(voucher=voucher, point=point, clerk=actor, at=now)
        except IntegrityError:
            raise AlreadyRedeemed(_("该凭证已领取。")) from None
        q = voucher.quantity
        if not PickupStock.objects.filter(round_id=booking.round_id, point=point, redeemed__lte=F("issued") - q).update(redeemed=F("redeemed") + q, updated_at=now):
            raise OutOfStock(_("“{point}”本轮库存已发完，不能核销。请联系街镇补充库存。").format(point=point.name))
        try:
            _move(booking, S.REDEEMED, actor=actor, note=f"voucher:{voucher.code}", request=request, now=now)
        except TransitionConflict as exc:
            raise NotRedeemable(exc.message) from None
    voucher.redeemed_at, voucher.redeemed_by, voucher.redeemed_point = now, actor, point
    return voucher


def check_redeemable(voucher: Voucher, point: PickupPoint, now: datetime) -> None:
    """Raise the message the clerk should see, or return if the voucher can be redeemed here now."""
    if voucher.redeemed_at is not None:
        raise AlreadyRedeemed(already_redeemed_message(voucher))
    if voucher.point_id != point.pk:
        raise WrongPoint(_("此凭证应在“{point}”（{address}）领取，不能在本领取点核销。").format(
            point=voucher.point.name, address=voucher.point.address))
    status = voucher.booking.status
    if status != S.NOTIFIED:
        raise NotRedeemable(_("此凭证已失效（预约状态：{status}）。").format(status=S(status).label))
    if now < voucher.window_start:
        raise OutsideWindow(_("未到领取时间：领取时间为 {window}，请届时再来。").format(
            window=window_display(voucher.window_start, voucher.window_end)))
    if now >= voucher.window_end:
        raise OutsideWindow(_("已超过领取期限（{window}），凭证已失效。").format(
            window=window_display(voucher.window_start, voucher.window_end)))


def booking_expire_overdue(*, now: datetime | None = None) -> int:
    """Move 已通知 bookings whose voucher window has ended to 逾期未领, tell the resident (outbox,
    key ``voucher_expired:<booking_no>``) and give their reserved stock back (voided bookings'
    vouchers too). Idempotent: each booking moves once (conditional UPDATE on its status), each
    voucher's stock is released once (``released_at``). Returns how many bookings moved."""
    from fangkong.booking.workflow import TransitionError, booking_transition

    now = now or timezone.now()
    overdue = (Voucher.objects.filter(redeemed_at__isnull=True, window_end__lte=now, booking__status=S.NOTIFIED)
               .select_related("booking__round__goods").order_by("window_end", "pk"))
    moved = 0
    for voucher in overdue.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                booking_transition(actor=None, booking_id=voucher.booking_id, to_status=S.EXPIRED,
                                   note="voucher_window_ended", now=now)
                if Voucher.objects.filter(pk=voucher.pk, released_at__isnull=True).update(released_at=now):
                    PickupStock.objects.filter(round_id=voucher.booking.round_id, point_id=voucher.point_id).update(
                        issued=F("issued") - voucher.quantity, updated_at=now)
                booking = voucher.booking
                queue_sms(phone=booking.phone, template="voucher_expired", key=f"voucher_expired:{booking.booking_no}",
                          variables={"name": mask_name(booking.name), "goods": booking.round.goods.name,
                                     "code": voucher.code_display,
                                     "window": window_label(voucher.window_start, voucher.window_end)})
        except TransitionError:
            continue  # redeemed or voided meanwhile
        moved += 1
    _release_voided(now)
    return moved


def _release_voided(now: datetime) -> None:
    """Vouchers of bookings a worker voided (已作废) give their reserved stock back, once."""
    voided = Voucher.objects.filter(released_at__isnull=True, redeemed_at__isnull=True, booking__status=S.VOIDED)
    for voucher in voided.select_related("booking").iterator(chunk_size=500):
        with transaction.atomic():
            if Voucher.objects.filter(pk=voucher.pk, released_at__isnull=True).update(released_at=now):
                PickupStock.objects.filter(round_id=voucher.booking.round_id, point_id=voucher.point_id).update(
                    issued=F("issued") - voucher.quantity, updated_at=now)


def point_create(*, actor: Any, town: Any, name: str, kind: str, address: str, opening_hours: str = "",
                 phone: str = "", committee: Any = None, request: HttpRequest | None = None) -> PickupPoint:
    """A town officer adds a point in her town (the district in any of its towns)."""
    from fangkong.orgs.scoping import scope_of

    scope = scope_of(actor)
    allowed = (scope.level == "district" and town.district_id == scope.district_id) or (
        scope.level == "town" and town.pk == scope.town_id)
    if not allowed or not actor.has_perm("orgs.manage_rounds"):
        raise StockError(_("您不能在该街镇新增领取点。"))
    if PickupPoint.objects.filter(town=town, name=name.strip()).exists():
        raise StockError(_("本街镇已有名为“{name}”的领取点。").format(name=name))
    with transaction.atomic():
        point = PickupPoint.objects.create(
            district_id=town.district_id, town=town, committee=committee, name=name.strip(), kind=kind,
            address=address.strip(), opening_hours=opening_hours.strip(), phone=phone.strip(),
        )
        audit_log(actor=actor, action="pickup.point_create", object_type="pickup_point", object_id=point.pk,
                  district_id=point.district_id, town_id=point.town_id, committee_id=point.committee_id, request=request,
                  detail={"name": point.name})
    return point

"""The verification workflow of a booking: its status table and the services that move it.

    待审核 pending ──→ 已通过 approved ──→ 已通知 notified ──→ 已领取 redeemed
       │  │                  ↑                        ├──→ 逾期未领 expired
       │  └──→ 待定 on_hold ─┤                        └──→ 已作废 voided
       └──────────────────→ 不通过 rejected ←── (from on_hold too)
    待审核 / 待定 ──→ 未中签 not_allocated (only by the lottery at close, booking/allocation.py)

Every move is one conditional ``UPDATE … WHERE status = <from>``: of two workers clicking at
once exactly one succeeds, the other gets ``TransitionConflict``. The move, its audit row and
the resident's SMS are written in one transaction. No status is entered twice (the table has
no cycles), so ``booking_<status>:<booking_no>`` is a safe idempotency key for the SMS.

Notification: approving calls ``fangkong.pickup.services.voucher_issue`` in the same
transaction; it assigns a pickup point and window, moves the booking on to 已通知 and sends the
voucher SMS (no stock in the town yet: the booking stays 已通过 with the "approved" SMS, and the
voucher follows when stock is entered). ``APPROVAL_SMS_NOTIFIES = True`` restores the old rule
(the approval SMS is the notification, no voucher).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.masking import mask_name
from fangkong.core.messaging import queue_email, queue_sms, shared_language
from fangkong.orgs.models import Committee
from fangkong.orgs.scoping import committees_in_scope, scope_of

from .dashboard_counters import counts_move
from .models import Booking, BookingStatus, DecisionReason, Round, RoundUnit

S = BookingStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.ON_HOLD, S.NOT_ALLOCATED}),
    S.ON_HOLD: frozenset({S.APPROVED, S.REJECTED, S.NOT_ALLOCATED}),
    S.APPROVED: frozenset({S.NOTIFIED}),
    S.NOTIFIED: frozenset({S.REDEEMED, S.EXPIRED, S.VOIDED}),
    S.REJECTED: frozenset(),
    S.REDEEMED: frozenset(),
    S.EXPIRED: frozenset(),
    S.VOIDED: frozenset(),
    S.NOT_ALLOCATED: frozenset(),
}
# Review decisions: they set the decision fields on the booking and tell the resident by SMS.
DECISIONS = frozenset({S.APPROVED, S.REJECTED, S.ON_HOLD})
NEEDS_REASON = frozenset({S.REJECTED, S.ON_HOLD})
# Moves the system makes on its own (the approval SMS, the nightly expiry job): actor may be None.
SYSTEM_MOVES = frozenset({S.NOTIFIED, S.EXPIRED})
# Bookings that hold one of the committee's places (counted against ``RoundUnit.quota``).
TAKES_QUOTA = (S.APPROVED, S.NOTIFIED, S.REDEEMED)
# Moves only ``round_allocate`` makes (booking_transition refuses them).
BY_ALLOCATION = frozenset({S.NOT_ALLOCATED})
SMS_TEMPLATE: dict[str, str] = {
    S.APPROVED: "booking_approved", S.REJECTED: "booking_rejected", S.ON_HOLD: "booking_on_hold",
    S.NOT_ALLOCATED: "booking_not_allocated",
}
# Decisions also e-mailed when the resident gave an address (approval: the voucher e-mail).
EMAIL_DECISIONS = frozenset({S.REJECTED, S.ON_HOLD, S.NOT_ALLOCATED})
APPROVAL_SMS_NOTIFIES = False


class TransitionError(UserError):
    """A move that cannot be made; ``message`` is shown to the worker as is."""


class BookingNotFound(TransitionError):
    """Not there, or outside the actor's scope (the view answers 404)."""

    code = "not_found"


class TransitionRefused(TransitionError):
    code = "refused"


class TransitionConflict(TransitionError):
    """Someone else moved the booking first."""

    code = "conflict"


class ReasonRequired(TransitionError):
    code = "reason_required"


@dataclass
class BulkOutcome:
    approved: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left: int = 0


def _label(status: str) -> str:
    return str(S(status).label)


def _find(actor: Any, booking_id: int, to_status: str) -> Booking:
    if actor is None and to_status in SYSTEM_MOVES:
        qs = Booking.objects.all()
    else:
        qs = Booking.objects.visible_to(actor)
    booking = qs.select_related("round", "committee").filter(pk=booking_id).first()
    if booking is None:
        raise BookingNotFound(_("没有找到该预约"))
    return booking


def _check_reason(to_status: str, reason_code: str, note: str, follow_up_on: date | None, today: date) -> None:
    if to_status in NEEDS_REASON and reason_code not in DecisionReason.values:
        raise ReasonRequired(_("请选择原因。"))
    if reason_code == DecisionReason.OTHER and not note:
        raise ReasonRequired(_("选择“其他”时请填写说明。"))
    if to_status == S.ON_HOLD and follow_up_on is None:
        raise ReasonRequired(_("请填写跟进日期。"))
    if to_status == S.ON_HOLD and follow_up_on is not None and follow_up_on < today:
        raise ReasonRequired(_("跟进日期不能早于今天。"))
    if to_status == S.VOIDED and not note:
        raise ReasonRequired(_("作废时请填写说明。"))


def _check_quota(booking: Booking) -> None:
    """Lock the committee's queue row, then count its approvals: approvals never exceed quota."""
    # FOR NO KEY UPDATE: approvers still queue on it, but rows that merely reference the unit
    # (dashboard counters' foreign key takes KEY SHARE) do not wait for it, so no deadlock.
    unit = RoundUnit.objects.select_for_update(no_key=True).get(pk=booking.unit_id)
    if unit.quota is None:
        return
    taken = Booking.objects.filter(unit_id=unit.pk, status__in=TAKES_QUOTA).count()
    if taken >= unit.quota:
        raise TransitionRefused(
            _("本居委会本轮额度（{quota}人份）已全部审核通过，不能再通过。").format(quota=unit.quota)
        )


def booking_transition(
    *,
    actor: Any,
    booking_id: int,
    to_status: str,
    reason_code: str = "",
    note: str = "",
    follow_up_on: date | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Booking:
    """Move one booking to ``to_status``; audit it and queue the resident's SMS.

    Raises ``BookingNotFound`` outside the actor's scope, ``TransitionRefused`` for a move the
    table does not allow, ``ReasonRequired`` and ``TransitionConflict`` (someone was faster).
    """
    now = now or timezone.now()
    note = " ".join((note or "").split())[:200]
    reason_code = reason_code or ""
    booking = _find(actor, booking_id, to_status)
    if to_status not in TRANSITIONS.get(booking.status, frozenset()):
        raise TransitionRefused(
            _("预约 {booking_no} 当前为“{old}”，不能改为“{new}”。").format(
                booking_no=booking.booking_no, old=_label(booking.status), new=_label(to_status)
            )
        )
    if to_status in BY_ALLOCATION:
        raise TransitionRefused(_("“未中签”只能由轮次截止后的分配/摇号产生。"))
    _check_reason(to_status, reason_code, note, follow_up_on, timezone.localtime(now).date())
    if to_status == S.APPROVED and booking.committee_id is None:
        raise TransitionRefused(_("地址待核实的预约需先分派到居委会，才能审核通过。"))
    with transaction.atomic():
        if to_status == S.APPROVED:
            _check_quota(booking)
        _move(booking, to_status, actor=actor, reason_code=reason_code, note=note,
              follow_up_on=follow_up_on, request=request, now=now)
        if to_status == S.APPROVED:
            _after_approval(booking, actor=actor, request=request, now=now)
    return booking


def _after_approval(booking: Booking, *, actor: Any, request: HttpRequest | None, now: datetime) -> None:
    if APPROVAL_SMS_NOTIFIES:
        _move(booking, S.NOTIFIED, actor=actor, note="approval_sms", request=request, now=now)
        return
    from fangkong.pickup.services import voucher_issue  # lazy: the pickup app imports this module

    voucher_issue(actor=actor, booking=booking, request=request, now=now)


def _move(
    booking: Booking,
    to_status: str,
    *,
    actor: Any,
    reason_code: str = "",
    note: str = "",
    follow_up_on: date | None = None,
    request: HttpRequest | None,
    now: datetime,
) -> None:
    from_status = booking.status
    changes: dict[str, Any] = {"status": to_status}
    if to_status in DECISIONS:
        changes.update(
            reviewed_by=actor, reviewed_at=now, decision_reason_code=reason_code, decision_note=note,
            follow_up_on=follow_up_on if to_status == S.ON_HOLD else None,
        )
    moved = Booking.objects.filter(pk=booking.pk, status=from_status).update(**changes)
    if not moved:
        current = Booking.objects.filter(pk=booking.pk).values_list("status", flat=True).first() or from_status
        raise TransitionConflict(
            _("预约 {booking_no} 刚刚已被其他工作人员处理（当前为“{status}”），请刷新后查看。").format(
                booking_no=booking.booking_no, status=_label(current)
            )
        )
    counts_move(unit_id=booking.unit_id, created_at=booking.created_at, from_status=from_status, to_status=to_status)
    for name, value in changes.items():
        setattr(booking, name, value)
    audit_log(
        actor=actor,
        action="booking.status",
        object_type="booking",
        object_id=booking.booking_no,
        district_id=booking.district_id,
        town_id=booking.town_id,
        committee_id=booking.committee_id,
        request=request,
        detail={
            "from": from_status,
            "to": to_status,
            "reason_code": reason_code,
            "note": note,
            "follow_up_on": follow_up_on.isoformat() if follow_up_on else None,
        },
    )
    template = SMS_TEMPLATE.get(to_status)
    if template and not (to_status == S.APPROVED and not APPROVAL_SMS_NOTIFIES):  # pickup sends it
        queue_sms(
            phone=booking.phone, template=template, variables=_sms_variables(booking, to_status),
            key=f"booking_{to_status}:{booking.booking_no}", new_event=True,
        )
    if booking.email and to_status in EMAIL_DECISIONS:
        queue_email(
            to=booking.email, template=SMS_TEMPLATE[to_status], variables=_email_variables(booking, to_status),
            key=f"booking_{to_status}_email:{booking.booking_no}", new_event=True,
        )


def _sms_reason(code: str) -> str:
    """The reason as the SMS states it: SMS are Chinese whatever the staff member's language."""
    with shared_language():
        return str(DecisionReason(code).label)


def _sms_variables(booking: Booking, to_status: str) -> dict[str, Any]:
    """SMS carry the masked name and the booking number, never an ID number or a full name."""
    variables: dict[str, Any] = {"name": mask_name(booking.name), "round": booking.round.name, "booking_no": booking.booking_no}
    committee = booking.committee.name if booking.committee else str(booking.town)
    if to_status == S.APPROVED:
        variables["committee"] = committee
    elif to_status == S.REJECTED:
        variables["reason"] = _sms_reason(booking.decision_reason_code)
        variables["committee"] = committee
    elif to_status == S.NOT_ALLOCATED:
        variables["committee"] = committee
    elif to_status == S.ON_HOLD:
        variables["reason"] = _sms_reason(booking.decision_reason_code)
        variables["follow_up_on"] = (
            f"{booking.follow_up_on.month}月{booking.follow_up_on.day}日" if booking.follow_up_on else ""
        )
        variables["committee"] = committee
    return variables


def _email_variables(booking: Booking, to_status: str) -> dict[str, Any]:
    """The SMS's variables plus what an e-mail has room for: the worker's note, the lottery page."""
    variables = _sms_variables(booking, to_status)
    if to_status == S.NOT_ALLOCATED:
        variables["lottery_url"] = settings.SITE_URL.rstrip("/") + reverse("booking:lottery", args=[booking.round_id])
    else:
        variables["note"] = booking.decision_note
    return variables


def booking_approve(*, actor: Any, booking_id: int, request: HttpRequest | None = None) -> Booking:
    return booking_transition(actor=actor, booking_id=booking_id, to_status=S.APPROVED, request=request)


def booking_reject(
    *, actor: Any, booking_id: int, reason_code: str, note: str = "", request: HttpRequest | None = None
) -> Booking:
    return booking_transition(
        actor=actor, booking_id=booking_id, to_status=S.REJECTED, reason_code=reason_code, note=note, request=request
    )


def booking_hold(
    *, actor: Any, booking_id: int, reason_code: str, follow_up_on: date | None, note: str = "",
    request: HttpRequest | None = None,
) -> Booking:
    return booking_transition(
        actor=actor, booking_id=booking_id, to_status=S.ON_HOLD, reason_code=reason_code, note=note,
        follow_up_on=follow_up_on, request=request,
    )


def booking_approve_many(
    *, actor: Any, booking_ids: list[int], round_id: int, request: HttpRequest | None = None
) -> BulkOutcome:
    """Approve the selected bookings of a round one by one (each in its own transaction), in
    queue order; ``left`` counts those that could not be approved (``skipped`` says why)."""
    outcome = BulkOutcome()
    ordered = Booking.objects.visible_to(actor).filter(round_id=round_id, pk__in=booking_ids).order_by("committee_id", "seq")
    found = dict(ordered.values_list("pk", "booking_no"))  # dicts keep the queue order
    for pk in found:
        try:
            booking_approve(actor=actor, booking_id=pk, request=request)
        except TransitionError as exc:
            outcome.skipped.append((found[pk], exc.message))
        else:
            outcome.approved.append(found[pk])
    for _missing in set(booking_ids) - set(found):
        outcome.skipped.append(("", _("没有找到该预约")))
    outcome.left = len(outcome.skipped)
    return outcome


def booking_approve_in_order(
    *, actor: Any, round_: Round, committee: Committee, request: HttpRequest | None = None
) -> BulkOutcome:
    """Approve the committee's pending bookings in registration order up to its quota.

    The queue row is locked for the whole batch, so a concurrent single approval waits and
    then sees the quota used up. ``left`` is how many pending bookings remain unapproved.
    """
    if not committees_in_scope(actor).filter(pk=committee.pk).exists() or scope_of(actor).is_none:
        raise BookingNotFound(_("没有找到该居委会"))
    outcome = BulkOutcome()
    now = timezone.now()
    with transaction.atomic():
        unit = RoundUnit.objects.select_for_update(no_key=True).filter(round=round_, committee=committee).first()
        if unit is None:
            return outcome
        pending = Booking.objects.filter(unit_id=unit.pk, status=S.PENDING).select_related("round", "committee")
        room: int | None = None
        if unit.quota is not None:
            taken = Booking.objects.filter(unit_id=unit.pk, status__in=TAKES_QUOTA).count()
            room = max(unit.quota - taken, 0)
        batch = list(pending.order_by("seq")[:room] if room is not None else pending.order_by("seq"))
        for booking in batch:
            try:
                with transaction.atomic():
                    _move(booking, S.APPROVED, actor=actor, request=request, now=now)
                    _after_approval(booking, actor=actor, request=request, now=now)
            except TransitionConflict as exc:
                outcome.skipped.append((booking.booking_no, exc.message))
            else:
                outcome.approved.append(booking.booking_no)
        outcome.left = pending.count()
    return outcome

"""Writes of work orders: the state machine of 待派单 → 待签收 → 核查中 → 已反馈 → 已办结.

``ACTIONS`` is the transition table: which states an action leaves from, the state it leads to,
and which levels (district, town, committee) may take it. Every move is a conditional UPDATE on
the current status (two clicks at once: one wins), writes an ``OrderEvent`` and an audit row.

    route           待派单/待签收 → 待签收   town or district picks the committee (bulk too)
    assign_town     待派单 → 待派单          the district hands an order with no town to a town
    accept          待签收 → 核查中          the committee accepts
    report          核查中 → 已反馈          on-site result (地址不符 is a return instead)
    return          待签收/核查中 → 待派单   with a reason code; back to the town to re-route
    close           已反馈 → 已办结          town, district or the committee
    dismiss         待派单 → 已办结          town or district, with a note (e.g. duplicate)
    extend_request  核查中 → 核查中          the committee asks for more time
    extend_approve  核查中 → 核查中          the town pushes ``result_due`` back
    extend_reject   核查中 → 核查中
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.addresses.services_review import address_review_close
from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import Scope, scope_of

from .clocks import clock_for, seconds_since
from .models import (
    CheckStatus,
    EventKind,
    HomeObservation,
    ObservationCheck,
    OrderEvent,
    OrderStatus,
    OrderType,
    Outcome,
    ReturnReason,
    WorkOrder,
)
from .notify import NewOrder, notify_new_orders

S = OrderStatus
OBSERVATION_DAYS = 14
EXTENSION_MAX_HOURS = 72
NOTE_MAX = 500
PHOTO_TYPES = {".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG", ".webp": b"RIFF", ".heic": b""}
PHOTO_MAX_BYTES = 8 * 1024 * 1024
REVIEW_SOURCE = "screening"  # orders in the 地址复核 queue (fangkong.addresses.sources; services_address.py)


@dataclass(frozen=True)
class Action:
    sources: frozenset[str]
    target: str | None  # None: the status stays
    levels: frozenset[str]
    event: str


def _a(sources: Iterable[str], target: str | None, levels: Iterable[str], event: str) -> Action:
    return Action(frozenset(sources), target, frozenset(levels), event)


ACTIONS: dict[str, Action] = {
    "route": _a([S.PENDING_DISPATCH, S.PENDING_ACCEPT], S.PENDING_ACCEPT, ["district", "town"], EventKind.ROUTE),
    "assign_town": _a([S.PENDING_DISPATCH], None, ["district"], EventKind.ROUTE),
    "accept": _a([S.PENDING_ACCEPT], S.IN_PROGRESS, ["committee"], EventKind.ACCEPT),
    "report": _a([S.IN_PROGRESS], S.REPORTED, ["committee"], EventKind.REPORT),
    "return": _a([S.PENDING_ACCEPT, S.IN_PROGRESS], S.PENDING_DISPATCH, ["committee"], EventKind.RETURN),
    "close": _a([S.REPORTED], S.CLOSED, ["district", "town", "committee"], EventKind.CLOSE),
    "dismiss": _a([S.PENDING_DISPATCH], S.CLOSED, ["district", "town"], EventKind.CLOSE),
    "extend_request": _a([S.IN_PROGRESS], None, ["committee"], EventKind.EXTEND_REQUEST),
    "extend_approve": _a([S.IN_PROGRESS], None, ["district", "town"], EventKind.EXTEND_APPROVE),
    "extend_reject": _a([S.IN_PROGRESS], None, ["district", "town"], EventKind.EXTEND_REJECT),
}


class StaleStatus(UserError):
    code = "stale"


def allowed_actions(user: Any, order: WorkOrder) -> set[str]:
    """The actions ``user`` may take on ``order`` now (for the buttons on the page)."""
    scope = scope_of(user)
    names = {name for name, a in ACTIONS.items() if order.status in a.sources and _in_scope(scope, order, a)}
    pending_extension = order.extension_hours is not None
    if pending_extension:
        names.discard("extend_request")
    else:
        names -= {"extend_approve", "extend_reject"}
    return names


def _in_scope(scope: Scope, order: WorkOrder, action: Action) -> bool:
    if scope.level not in action.levels:
        return False
    if scope.level == "district":
        return order.district_id == scope.district_id
    if scope.level == "town":
        return order.town_id == scope.town_id
    return order.committee_id is not None and order.committee_id == scope.committee_id


def _check(actor: Any, order: WorkOrder, name: str) -> Action:
    action = ACTIONS[name]
    if not _in_scope(scope_of(actor), order, action):
        raise UserError(_("您不能对这张工单执行该操作。"))
    if order.status not in action.sources:
        raise StaleStatus(_("工单当前为“%(s)s”，不能执行该操作。") % {"s": OrderStatus(order.status).label})
    return action


def _note(note: str, *, required: bool = False, what: str = "") -> str:
    note = (note or "").strip()
    if required and not note:
        raise UserError(what or _("请填写说明。"), field="note")
    if len(note) > NOTE_MAX:
        raise UserError(_("说明不能超过%(n)s个字。") % {"n": NOTE_MAX}, field="note")
    return note


def _move(order: WorkOrder, action: Action, *, actor: Any, reason: str = "", note: str = "",
          request: HttpRequest | None = None, **fields: Any) -> WorkOrder:
    """Apply ``fields`` (and the target status) if the order is still in the status it was read in."""
    target = action.target or order.status
    done = WorkOrder.objects.filter(pk=order.pk, status=order.status).update(status=target, **fields)
    if not done:
        raise StaleStatus(_("该工单刚被其他人处理，请刷新后再试。"))
    source = order.status
    order.status = target
    for k, v in fields.items():
        setattr(order, k, v)
    OrderEvent.objects.create(order=order, kind=action.event, actor=actor, from_status=source, to_status=target,
                              reason=reason, note=note[:NOTE_MAX])
    audit_log(actor=actor, action=f"screening.{action.event}", object_type="work_order", object_id=order.order_id,
              district_id=order.district_id, town_id=order.town_id, committee_id=order.committee_id, request=request,
              detail={"from": source, "to": target, **({"reason": reason} if reason else {})})
    return order


def check_route_target(actor: Any, order: WorkOrder, committee: Committee) -> Action:
    """May ``actor`` send ``order`` to ``committee`` now? (A town only to its own committees.)"""
    action = _check(actor, order, "route")
    scope = scope_of(actor)
    if committee.district_id != order.district_id or (scope.level == "town" and committee.town_id != scope.town_id):
        raise UserError(_("只能派给本辖区的居村委。"), field="committee")
    return action


def route_move(order: WorkOrder, committee: Committee, *, actor: Any, address_id: str = "", address_label: str = "",
               note: str = "", request: HttpRequest | None = None) -> WorkOrder:
    """The 派单 itself (checked by the caller): status, committee, clock, event and audit row."""
    now = timezone.now()
    fields: dict[str, Any] = {"committee_id": committee.pk, "town_id": committee.town_id, "routed_at": now,
                              "accept_due": now + clock_for(order.order_type).accept, "accept_overdue_at": None}
    if address_id:
        fields.update(address_id=address_id[:32], address_label=(address_label or order.address_label)[:300])
    return _move(order, ACTIONS["route"], actor=actor, note=note or str(committee), request=request, **fields)


def _close_review(order: WorkOrder, *, actor: Any, committee: Committee | None, note: str) -> None:
    """An order settled by hand leaves the town's 地址复核 queue (services_address.py)."""
    address_review_close(source=REVIEW_SOURCE, source_ref=str(order.pk), actor=actor, committee=committee, note=note)


@transaction.atomic
def order_route(*, actor: Any, order: WorkOrder, committee: Committee, address_id: str = "", address_label: str = "",
                request: HttpRequest | None = None, notify: bool = True) -> WorkOrder:
    """Send the order to ``committee`` (待签收); a candidate address picked by the town comes along.
    The committee's workers get an SMS (``notify=False``: the bulk action sends one for all).
    The order's item in the 地址复核 queue, if still open, is closed with it."""
    check_route_target(actor, order, committee)
    route_move(order, committee, actor=actor, address_id=address_id, address_label=address_label, request=request)
    _close_review(order, actor=actor, committee=committee, note=f"已在工单页派往{committee.name}")
    if notify:
        notify_routed([order], committee)
    return order


@transaction.atomic
def orders_route(*, actor: Any, orders: Iterable[WorkOrder], committee: Committee,
                 request: HttpRequest | None = None) -> int:
    """Bulk 派单: each order moves (and is audited) on its own; ones no longer routable are skipped.
    One SMS to the committee's workers for the whole batch."""
    routed = []
    for order in orders:
        try:
            with transaction.atomic():
                order_route(actor=actor, order=order, committee=committee, request=request, notify=False)
        except StaleStatus:
            continue
        routed.append(order)
    notify_routed(routed, committee)
    return len(routed)


def notify_routed(orders: list[WorkOrder], committee: Committee) -> None:
    """The town (or district) sent orders to a committee: its workers are told like after an import."""
    if not orders:
        return
    first = min(o.order_id for o in orders)
    # The event is this routing of these orders (an order re-routed after a return is routed again).
    stamp = max(o.routed_at for o in orders if o.routed_at is not None).strftime("%Y%m%d%H%M%S%f")
    batch = hashlib.sha1(f"{first}:{len(orders)}:{stamp}".encode()).hexdigest()[:16]  # noqa: S324 - a key, not security
    notify_new_orders([NewOrder(o.order_id, committee.pk, committee.town_id, o.priority, o.order_type) for o in orders],
                      batch=f"route:{batch}", tell_towns=False)


@transaction.atomic
def order_assign_town(*, actor: Any, order: WorkOrder, town: Town, request: HttpRequest | None = None) -> WorkOrder:
    action = _check(actor, order, "assign_town")
    if town.district_id != order.district_id:
        raise UserError(_("只能派给本区的街镇。"), field="town")
    _move(order, action, actor=actor, note=str(town), request=request, town_id=town.pk, committee_id=None)
    _close_review(order, actor=actor, committee=None, note=f"区级已转至{town.name}")
    return order


@transaction.atomic
def order_accept(*, actor: Any, order: WorkOrder, request: HttpRequest | None = None) -> WorkOrder:
    action = _check(actor, order, "accept")
    now = timezone.now()
    return _move(order, action, actor=actor, request=request, accepted_at=now,
                 accept_seconds=seconds_since(order.created_at, now))


@transaction.atomic
def order_return(*, actor: Any, order: WorkOrder, reason: str, note: str = "",
                 request: HttpRequest | None = None) -> WorkOrder:
    """退单: back to the town's 待派单 (the committee is cleared) for the town to re-route."""
    action = _check(actor, order, "return")
    if reason not in ReturnReason.values:
        raise UserError(_("请选择退单原因。"), field="reason")
    note = _note(note, required=reason == ReturnReason.OTHER, what=_("选择“其他”时请说明退单原因。"))
    return _move(order, action, actor=actor, reason=reason, note=note, request=request, committee_id=None,
                 accepted_at=None, returned_count=order.returned_count + 1, extension_hours=None, extension_reason="")


def check_photo(photo: UploadedFile | None) -> None:
    if photo is None:
        return
    name = photo.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in PHOTO_TYPES:
        raise UserError(_("照片只能是 JPG、PNG、WEBP 或 HEIC 格式。"), field="photo")
    if (photo.size or 0) > PHOTO_MAX_BYTES:
        raise UserError(_("照片不能超过%(mb)sMB。") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}, field="photo")
    magic = PHOTO_TYPES[ext]
    head = photo.read(12)
    photo.seek(0)
    if magic and not head.startswith(magic):
        raise UserError(_("照片文件已损坏或不是图片，请重新拍摄。"), field="photo")


@transaction.atomic
def order_report(*, actor: Any, order: WorkOrder, outcome: str, note: str = "", photo: UploadedFile | None = None,
                 request: HttpRequest | None = None) -> WorkOrder:
    """The on-site result. 地址不符 returns the order; a home_check found 在家观察 opens 14 days of
    home observation with a check for each day."""
    if outcome not in Outcome.values:
        raise UserError(_("请选择核查结果。"), field="outcome")
    if outcome == Outcome.WRONG_ADDRESS:
        return order_return(actor=actor, order=order, reason=ReturnReason.WRONG_ADDRESS, note=note, request=request)
    action = _check(actor, order, "report")
    note = _note(note)
    check_photo(photo)
    now = timezone.now()
    fields: dict[str, Any] = {"visited_at": now, "door_seconds": seconds_since(order.created_at, now),
                              "outcome": outcome, "outcome_note": note}
    if photo is not None:
        order.photo.save(photo.name or "photo.jpg", photo, save=False)
        fields["photo"] = order.photo.name
    _move(order, action, actor=actor, note=str(Outcome(outcome).label), request=request, **fields)
    if order.order_type == OrderType.HOME_CHECK and outcome == Outcome.HOME_OBSERVATION:
        observation_open(order=order)
    return order


def observation_open(*, order: WorkOrder) -> HomeObservation:
    assert order.committee_id is not None and order.town_id is not None
    start = timezone.localdate()
    observation, _created = HomeObservation.objects.get_or_create(order=order, defaults={
        "district_id": order.district_id, "town_id": order.town_id, "committee_id": order.committee_id,
        "start_date": start, "end_date": start + timedelta(days=OBSERVATION_DAYS - 1),
    })
    ObservationCheck.objects.get_or_create(observation=observation, day=start)
    return observation


@transaction.atomic
def order_close(*, actor: Any, order: WorkOrder, note: str = "", request: HttpRequest | None = None) -> WorkOrder:
    """办结 a reported order, or (town/district, with a note) dismiss one waiting at the town."""
    name = "dismiss" if order.status == S.PENDING_DISPATCH else "close"
    action = _check(actor, order, name)
    note = _note(note, required=name == "dismiss", what=_("直接办结未派出的工单时请说明原因。"))
    now = timezone.now()
    _move(order, action, actor=actor, note=note, request=request, closed_at=now,
          close_seconds=seconds_since(order.created_at, now))
    if name == "dismiss":
        _close_review(order, actor=actor, committee=None, note=f"工单已直接办结：{note}")
    return order


def orders_close(*, actor: Any, orders: Iterable[WorkOrder], note: str = "", request: HttpRequest | None = None) -> int:
    count = 0
    for order in orders:
        try:
            order_close(actor=actor, order=order, note=note, request=request)
        except StaleStatus:
            continue
        count += 1
    return count


@transaction.atomic
def extension_request(*, actor: Any, order: WorkOrder, hours: int, reason: str,
                      request: HttpRequest | None = None) -> WorkOrder:
    action = _check(actor, order, "extend_request")
    if order.extension_hours is not None:
        raise UserError(_("已有待审批的延期申请。"))
    if not 1 <= hours <= EXTENSION_MAX_HOURS:
        raise UserError(_("延期时长须在1到%(n)s小时之间。") % {"n": EXTENSION_MAX_HOURS}, field="hours")
    reason = _note(reason, required=True, what=_("请填写延期理由。"))[:200]
    return _move(order, action, actor=actor, note=f"{hours}h {reason}", request=request, extension_hours=hours,
                 extension_reason=reason)


@transaction.atomic
def extension_decide(*, actor: Any, order: WorkOrder, approve: bool, request: HttpRequest | None = None) -> WorkOrder:
    action = _check(actor, order, "extend_approve" if approve else "extend_reject")
    if order.extension_hours is None:
        raise UserError(_("这张工单没有待审批的延期申请。"))
    hours = order.extension_hours
    fields: dict[str, Any] = {"extension_hours": None, "extension_reason": ""}
    if approve:
        fields.update(result_due=order.result_due + timedelta(hours=hours), result_overdue_at=None)
    return _move(order, action, actor=actor, note=f"{hours}h", request=request, **fields)


@transaction.atomic
def order_mark_false_positive(*, actor: Any, order: WorkOrder, note: str = "", flag: bool = True,
                              request: HttpRequest | None = None) -> WorkOrder:
    """Staff who saw the person say the rule was wrong (precision per rule counts these)."""
    if scope_of(actor).level == "none":
        raise UserError(_("您不能对这张工单执行该操作。"))
    note = _note(note)[:200]
    WorkOrder.objects.filter(pk=order.pk).update(false_positive=flag, false_positive_note=note if flag else "")
    order.false_positive, order.false_positive_note = flag, (note if flag else "")
    OrderEvent.objects.create(order=order, kind=EventKind.FALSE_POSITIVE, actor=actor, from_status=order.status,
                              to_status=order.status, note=note if flag else _("取消误报"))
    audit_log(actor=actor, action="screening.false_positive", object_type="work_order", object_id=order.order_id,
              district_id=order.district_id, town_id=order.town_id, committee_id=order.committee_id, request=request,
              detail={"false_positive": flag})
    return order


def order_reveal(*, actor: Any, order: WorkOrder, request: HttpRequest | None = None) -> bool:
    """Record that ``actor`` opened the order; return whether they may see the person unmasked."""
    allowed = bool(actor.has_perm("orgs.unmask_personal_data"))
    audit_log(actor=actor, action="screening.unmask" if allowed else "screening.view_masked", object_type="work_order",
              object_id=order.order_id, district_id=order.district_id, town_id=order.town_id,
              committee_id=order.committee_id, request=request,
              detail={"fields": ["name", "id_number", "phone"]} if allowed else {})
    return allowed


@transaction.atomic
def check_record(*, actor: Any, check: ObservationCheck, temperature: Any, symptoms: bool, note: str = "") -> ObservationCheck:
    """The daily check of an observed person, by their committee."""
    scope = scope_of(actor)
    if scope.level != "committee" or check.observation.committee_id != scope.committee_id:
        raise UserError(_("只有所属居村委可以登记观察情况。"))
    if check.status != CheckStatus.PENDING:
        raise UserError(_("今天的观察情况已经登记过了。"))
    check.status, check.temperature, check.symptoms = CheckStatus.DONE, temperature, symptoms
    check.note, check.done_by, check.done_at = _note(note)[:200], actor, timezone.now()
    check.save(update_fields=["status", "temperature", "symptoms", "note", "done_by", "done_at"])
    audit_log(actor=actor, action="screening.observation_check", object_type="observation_check", object_id=check.pk,
              district_id=check.observation.district_id, town_id=check.observation.town_id,
              committee_id=check.observation.committee_id, detail={"symptoms": symptoms})
    return check

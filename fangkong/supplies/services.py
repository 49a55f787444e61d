"""Writes for supplies: requests and their moves (request → commit → send → receive), and the
stock ledger. Every move is one conditional ``UPDATE ... WHERE status = <from>`` that must touch
one row (a double click or two officers at once cannot commit or ship twice), writes an audit
row, and queues the requester's SMS through the outbox in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import queue_sms, shared_language
from fangkong.orgs.scoping import scope_of

from .models import (
    Item,
    MoveKind,
    RequestLine,
    Status,
    Stock,
    StockMove,
    SupplyRequest,
    Urgency,
    holder_lookup,
)

# action → (from, to): the whole state machine; anything else is refused.
TRANSITIONS: dict[str, tuple[str, str]] = {
    "commit": (Status.REQUESTED, Status.COMMITTED),
    "reject": (Status.REQUESTED, Status.REJECTED),
    "send": (Status.COMMITTED, Status.SENT),
    "receive": (Status.SENT, Status.RECEIVED),
}

Holder = tuple[int, int | None, int | None]  # (district_id, town_id, committee_id)


def holder_of(actor: Any) -> Holder:
    """The store an officer works from: the district's own, their town's own, or their committee's."""
    scope = scope_of(actor)
    if scope.level == "district" and scope.district_id:
        return (scope.district_id, None, None)
    if scope.level == "town" and scope.district_id:
        return (scope.district_id, scope.town_id, None)
    if scope.level == "committee" and scope.district_id:
        return (scope.district_id, scope.town_id, scope.committee_id)
    raise UserError(_("您的账号不属于任何物资管理层级。"))


def supplier_holder(request: SupplyRequest) -> Holder:
    return (request.district_id, request.town_id, None) if request.committee_id else (request.district_id, None, None)


def requester_holder(request: SupplyRequest) -> Holder:
    return (request.district_id, request.town_id, request.committee_id)


def can_supply(actor: Any, request: SupplyRequest) -> bool:
    scope = scope_of(actor)
    if request.committee_id:
        return scope.level == "town" and scope.town_id == request.town_id
    return scope.level == "district" and scope.district_id == request.district_id


def can_receive(actor: Any, request: SupplyRequest) -> bool:
    scope = scope_of(actor)
    if request.committee_id:
        return scope.level == "committee" and scope.committee_id == request.committee_id
    return scope.level == "town" and scope.town_id == request.town_id


# --- the ledger ------------------------------------------------------------------------------

def _apply(*, holder: Holder, item: Item, delta: int, kind: str, actor: Any, request: SupplyRequest | None = None,
           note: str = "") -> StockMove:
    where = {**holder_lookup(holder), "item": item}
    if delta < 0:
        # One conditional UPDATE: two sends racing for the last boxes cannot both pass.
        if Stock.objects.filter(**where, balance__gte=-delta).update(balance=F("balance") + delta) != 1:
            raise UserError(_("%(item)s库存不足（需 %(n)s %(unit)s），不能出库。")
                            % {"item": item.name, "n": -delta, "unit": item.unit})
    elif Stock.objects.filter(**where).update(balance=F("balance") + delta) != 1:
        try:
            with transaction.atomic():
                Stock.objects.create(**where, balance=delta)
        except IntegrityError:  # created meanwhile by a concurrent stock-in
            Stock.objects.filter(**where).update(balance=F("balance") + delta)
    return StockMove.objects.create(**holder_lookup(holder), item=item, quantity=delta, kind=kind, request=request, note=note[:200], actor=actor)


@transaction.atomic
def stock_add(*, actor: Any, item: Item, quantity: int, note: str = "") -> StockMove:
    """入库 at the actor's own level (a delivery from outside the tree, a donation)."""
    if quantity <= 0:
        raise UserError(_("入库数量须为正整数。"), field="quantity")
    holder = holder_of(actor)
    move = _apply(holder=holder, item=item, delta=quantity, kind=MoveKind.STOCK_IN, actor=actor, note=note)
    audit_log(actor=actor, action="supply.stock_in", object_type="stock_move", object_id=move.pk,
              district_id=holder[0], town_id=holder[1], committee_id=holder[2],
              detail={"item": item.name, "quantity": quantity})
    return move


@transaction.atomic
def stock_issue(*, actor: Any, item: Item, quantity: int, note: str) -> StockMove:
    """发放使用: handed out to staff or volunteers at the actor's level; refused below zero."""
    if quantity <= 0:
        raise UserError(_("发放数量须为正整数。"), field="quantity")
    if not note.strip():
        raise UserError(_("请填写发放去向。"), field="note")
    holder = holder_of(actor)
    move = _apply(holder=holder, item=item, delta=-quantity, kind=MoveKind.ISSUE, actor=actor, note=note)
    audit_log(actor=actor, action="supply.issue", object_type="stock_move", object_id=move.pk,
              district_id=holder[0], town_id=holder[1], committee_id=holder[2],
              detail={"item": item.name, "quantity": quantity, "note": note})
    return move


def balance_of(holder: Holder, item: Item) -> int:
    stock = Stock.objects.filter(**holder_lookup(holder), item=item).first()
    return stock.balance if stock else 0


# --- requests --------------------------------------------------------------------------------

def _stale(request: SupplyRequest) -> UserError:
    current = Status(SupplyRequest.objects.get(pk=request.pk).status).label
    return UserError(_("该申请已被处理（当前状态：%(s)s），请刷新后查看。") % {"s": current})


def _expect(request: SupplyRequest, action: str) -> None:
    """Refuse a move the table does not allow from the status the caller saw."""
    if request.status != TRANSITIONS[action][0]:
        raise _stale(request)


def _move(request: SupplyRequest, action: str, **fields: Any) -> None:
    frm, to = TRANSITIONS[action]
    _expect(request, action)
    if SupplyRequest.objects.filter(pk=request.pk, status=frm).update(status=to, **fields) != 1:
        raise _stale(request)
    request.status = to
    for name, value in fields.items():
        setattr(request, name, value)


def _audit(actor: Any, request: SupplyRequest, action: str, detail: dict[str, Any]) -> None:
    audit_log(actor=actor, action=f"supply.{action}", object_type="supply_request", object_id=request.pk,
              district_id=request.district_id, town_id=request.town_id, committee_id=request.committee_id,
              detail={"number": request.number, **detail})


def _unit_name(request: SupplyRequest) -> str:
    return str(request.town) if request.committee_id else _("区防控办")


def _sms(request: SupplyRequest, template: str, variables: dict[str, Any]) -> None:
    phone = request.requested_by.phone
    if phone:
        queue_sms(phone=phone, template=template, key=f"{template}:{request.pk}", new_event=True,
                  variables={"number": request.number, "supplier": _unit_name(request), **variables})


def _quantities(lines: list[RequestLine], values: Mapping[int, int | None], *, cap: str, label: str) -> dict[int, int]:
    """Per line quantity (keyed by item id), defaulting to the cap column, never above it."""
    out: dict[int, int] = {}
    for line in lines:
        limit = getattr(line, cap) or 0
        value = values.get(line.item_id)
        value = limit if value is None else value
        if value < 0:
            raise UserError(_("数量不能为负数。"))
        if value > limit:
            raise UserError(_("%(item)s的%(label)s不能超过 %(n)s %(unit)s。")
                            % {"item": line.item.name, "label": label, "n": limit, "unit": line.item.unit})
        out[line.item_id] = value
    return out


@transaction.atomic
def request_create(*, actor: Any, quantities: Mapping[Item, int], urgency: str, reason: str,
                   parent: SupplyRequest | None = None) -> SupplyRequest:
    """A committee asks its town; a town asks the district (also when forwarding)."""
    scope = scope_of(actor)
    if scope.level not in ("committee", "town") or scope.district_id is None or scope.town_id is None:
        raise UserError(_("只有居村委和街镇可以申请物资。"))
    wanted = {item: n for item, n in quantities.items() if n}
    if any(n < 0 for n in wanted.values()):
        raise UserError(_("数量不能为负数。"))
    if not wanted:
        raise UserError(_("请至少填写一种物资的申请数量。"))
    if not reason.strip():
        raise UserError(_("请填写申请理由。"), field="reason")
    if urgency not in Urgency.values:
        raise UserError(_("请选择紧急程度。"), field="urgency")
    request = SupplyRequest.objects.create(
        district_id=scope.district_id, town_id=scope.town_id, committee_id=scope.committee_id, parent=parent,
        urgency=urgency, reason=reason.strip(), requested_by=actor)
    RequestLine.objects.bulk_create([RequestLine(request=request, item=item, requested=n) for item, n in wanted.items()])
    _audit(actor, request, "request", {"lines": {i.name: n for i, n in wanted.items()}, "urgency": urgency,
                                       "parent": parent.pk if parent else None})
    return request


@transaction.atomic
def request_commit(*, actor: Any, request: SupplyRequest, approved: Mapping[int, int | None],
                   forward: bool = False) -> SupplyRequest | None:
    """Approve, possibly partially. A town that ``forward``s asks the district for what its own
    stock cannot cover of the approved quantities; it sends once that arrives. Returns the
    forwarded request, if any."""
    if not can_supply(actor, request):
        raise UserError(_("只有上级单位可以审批该申请。"))
    _expect(request, "commit")
    lines = list(request.lines.select_related("item"))
    amounts = _quantities(lines, approved, cap="requested", label=_("批准数量"))
    if not any(amounts.values()):
        raise UserError(_("批准数量全为 0，请改为驳回并说明理由。"))
    now = timezone.now()
    _move(request, "commit", decided_by=actor, decided_at=now)
    for line in lines:
        line.approved = amounts[line.item_id]
    RequestLine.objects.bulk_update(lines, ["approved"])
    forwarded = None
    if forward:
        if request.supplier_level != "town":
            raise UserError(_("只有街镇可以转报区级。"))
        holder = supplier_holder(request)
        short = {line.item: (line.approved or 0) - balance_of(holder, line.item) for line in lines}
        short = {item: n for item, n in short.items() if n > 0}
        if not short:
            raise UserError(_("本街镇库存足以发放，无需转报。"))
        with shared_language():  # stored for both units
            reason = _("转报 %(n)s：%(r)s") % {"n": request.number, "r": request.reason}
        forwarded = request_create(actor=actor, quantities=short, urgency=request.urgency, parent=request,
                                   reason=reason)
    partial = any((line.approved or 0) < line.requested for line in lines)
    _audit(actor, request, "commit", {"approved": {line.item.name: line.approved for line in lines},
                                      "partial": partial, "forwarded": forwarded.pk if forwarded else None})
    result = "、".join(f"{line.item.name}{line.approved}{line.item.unit}" for line in lines if line.approved)
    with shared_language():
        verdict = _("部分批准 ") if partial else _("批准 ")
    _sms(request, "supply_committed", {"result": verdict + result})
    return forwarded


@transaction.atomic
def request_reject(*, actor: Any, request: SupplyRequest, reason: str) -> None:
    if not can_supply(actor, request):
        raise UserError(_("只有上级单位可以审批该申请。"))
    _expect(request, "reject")
    if not reason.strip():
        raise UserError(_("请填写驳回理由。"), field="reason")
    _move(request, "reject", decided_by=actor, decided_at=timezone.now(), reject_reason=reason.strip()[:200])
    _audit(actor, request, "reject", {"reason": reason})
    _sms(request, "supply_committed", {"result": _("驳回，理由：%(r)s") % {"r": reason.strip()[:60]}})


@transaction.atomic
def request_send(*, actor: Any, request: SupplyRequest, sent: Mapping[int, int | None]) -> None:
    """Ship from the approver's stock. The status moves first, so a second click fails before
    touching stock; a shortage raises and rolls everything back."""
    if not can_supply(actor, request):
        raise UserError(_("只有上级单位可以发货。"))
    _expect(request, "send")
    lines = list(request.lines.select_related("item"))
    amounts = _quantities(lines, sent, cap="approved", label=_("发出数量"))
    if not any(amounts.values()):
        raise UserError(_("发出数量全为 0。"))
    _move(request, "send", sent_by=actor, sent_at=timezone.now())
    holder = supplier_holder(request)
    for line in lines:
        line.sent = amounts[line.item_id]
        if line.sent:
            _apply(holder=holder, item=line.item, delta=-line.sent, kind=MoveKind.SEND, actor=actor, request=request,
                   note=_("发往申请 %(n)s") % {"n": request.number})
    RequestLine.objects.bulk_update(lines, ["sent"])
    _audit(actor, request, "send", {"sent": {line.item.name: line.sent for line in lines}})
    items = "、".join(f"{line.item.name}{line.sent}{line.item.unit}" for line in lines if line.sent)
    _sms(request, "supply_sent", {"items": items})


@transaction.atomic
def request_receive(*, actor: Any, request: SupplyRequest, received: Mapping[int, int | None], note: str = "") -> None:
    """签收: what arrived goes into the requester's stock; a shortfall needs a note."""
    if not can_receive(actor, request):
        raise UserError(_("只有申请单位可以签收。"))
    _expect(request, "receive")
    lines = list(request.lines.select_related("item"))
    amounts = _quantities(lines, received, cap="sent", label=_("实收数量"))
    short = any(amounts[line.item_id] < (line.sent or 0) for line in lines)
    if short and not note.strip():
        raise UserError(_("实收少于发出，请填写短缺说明。"), field="note")
    _move(request, "receive", received_by=actor, received_at=timezone.now(), shortfall_note=note.strip()[:200])
    holder = requester_holder(request)
    for line in lines:
        line.received = amounts[line.item_id]
        if line.received:
            _apply(holder=holder, item=line.item, delta=line.received, kind=MoveKind.RECEIVE, actor=actor,
                   request=request, note=_("申请 %(n)s 签收") % {"n": request.number})
    RequestLine.objects.bulk_update(lines, ["received"])
    _audit(actor, request, "receive", {"received": {line.item.name: line.received for line in lines},
                                       "shortfall": short, "note": note})

"""The request flow, its transition table, the stock ledger and the SMS to the requester."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from fangkong.core.errors import UserError
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.supplies.models import (
    MoveKind,
    Status,
    Stock,
    StockMove,
    SupplyRequest,
    holder_lookup,
)
from fangkong.supplies.services import (
    TRANSITIONS,
    balance_of,
    holder_of,
    request_commit,
    request_create,
    request_receive,
    request_reject,
    request_send,
    stock_add,
    stock_issue,
)

pytestmark = pytest.mark.django_db


def ledger_sum(holder, item):  # type: ignore[no-untyped-def]
    return StockMove.objects.filter(**holder_lookup(holder), item=item).aggregate(s=Sum("quantity"))["s"] or 0


def test_transition_table_is_the_whole_state_machine():
    assert TRANSITIONS == {
        "commit": (Status.REQUESTED, Status.COMMITTED),
        "reject": (Status.REQUESTED, Status.REJECTED),
        "send": (Status.COMMITTED, Status.SENT),
        "receive": (Status.SENT, Status.RECEIVED),
    }


def test_committee_request_goes_to_its_town(committee_request, worker):  # type: ignore[no-untyped-def]
    assert committee_request.committee_id == worker.committee_id
    assert committee_request.town_id == worker.town_id
    assert committee_request.supplier_level == "town"
    assert committee_request.status == Status.REQUESTED
    assert sorted(committee_request.lines.values_list("requested", flat=True)) == [20, 500]
    assert AuditEvent.objects.filter(action="supply.request", object_id=str(committee_request.pk)).exists()


def test_request_needs_a_quantity_and_a_reason(worker, masks_item):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="请至少填写一种物资"):
        request_create(actor=worker, quantities={masks_item: 0}, urgency="normal", reason="缺")
    with pytest.raises(UserError, match="请填写申请理由"):
        request_create(actor=worker, quantities={masks_item: 5}, urgency="normal", reason="  ")


def test_district_cannot_request(district_officer, masks_item):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="只有居村委和街镇可以申请物资"):
        request_create(actor=district_officer, quantities={masks_item: 5}, urgency="normal", reason="缺")


def test_partial_commit_then_send_then_receive_with_shortfall(committee_request, town_stocked, worker, masks_item, suits):  # type: ignore[no-untyped-def]
    request_commit(actor=town_stocked, request=committee_request, approved={masks_item.pk: 300, suits.pk: 10})
    assert committee_request.status == Status.COMMITTED
    sms = OutboundMessage.objects.get(template="supply_committed")
    assert sms.recipient == "13900001111" and "部分批准" in sms.variables["result"]

    request_send(actor=town_stocked, request=committee_request, sent={})  # defaults to the approved quantities
    town = holder_of(town_stocked)
    assert balance_of(town, masks_item) == 700 == ledger_sum(town, masks_item)
    assert balance_of(town, suits) == 0 == ledger_sum(town, suits)
    assert OutboundMessage.objects.get(template="supply_sent").variables["items"] == "口罩300只、防护服10套"

    request_receive(actor=worker, request=committee_request, received={masks_item.pk: 290}, note="运输途中破损一箱")
    committee_request.refresh_from_db()
    assert committee_request.status == Status.RECEIVED
    assert committee_request.shortfall_note == "运输途中破损一箱"
    mine = holder_of(worker)
    assert balance_of(mine, masks_item) == 290 == ledger_sum(mine, masks_item)
    assert [line.shortfall for line in committee_request.lines.order_by("item__sort")] == [10, 0]
    assert list(AuditEvent.objects.filter(object_type="supply_request").values_list("action", flat=True).order_by("pk")) == [
        "supply.request", "supply.commit", "supply.send", "supply.receive"]


def test_shortfall_needs_a_note(committee_request, town_stocked, worker, masks_item, suits):  # type: ignore[no-untyped-def]
    request_commit(actor=town_stocked, request=committee_request, approved={suits.pk: 5})
    request_send(actor=town_stocked, request=committee_request, sent={})
    with pytest.raises(UserError, match="实收少于发出，请填写短缺说明"):
        request_receive(actor=worker, request=committee_request, received={masks_item.pk: 100})


def test_approved_cannot_exceed_requested(committee_request, town_officer, masks_item):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="口罩的批准数量不能超过 500 只"):
        request_commit(actor=town_officer, request=committee_request, approved={masks_item.pk: 501})


def test_all_zero_commit_must_be_a_rejection(committee_request, town_officer, masks_item, suits):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="请改为驳回"):
        request_commit(actor=town_officer, request=committee_request, approved={masks_item.pk: 0, suits.pk: 0})


def test_reject_needs_a_reason_and_tells_the_requester(committee_request, town_officer):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="请填写驳回理由"):
        request_reject(actor=town_officer, request=committee_request, reason="")
    request_reject(actor=town_officer, request=committee_request, reason="区里统一配送")
    assert SupplyRequest.objects.get(pk=committee_request.pk).status == Status.REJECTED
    assert "驳回" in OutboundMessage.objects.get(template="supply_committed").variables["result"]


def test_send_is_refused_when_stock_would_go_negative(committee_request, town_officer, masks_item, suits):  # type: ignore[no-untyped-def]
    stock_add(actor=town_officer, item=masks_item, quantity=100)
    request_commit(actor=town_officer, request=committee_request, approved={})
    with pytest.raises(UserError, match="口罩库存不足"):
        request_send(actor=town_officer, request=committee_request, sent={})
    # the whole send rolled back: status, stock and ledger
    assert SupplyRequest.objects.get(pk=committee_request.pk).status == Status.COMMITTED
    assert balance_of(holder_of(town_officer), masks_item) == 100
    assert not StockMove.objects.filter(kind=MoveKind.SEND).exists()


def test_a_double_click_cannot_ship_twice(committee_request, town_stocked, masks_item, suits):  # type: ignore[no-untyped-def]
    request_commit(actor=town_stocked, request=committee_request, approved={suits.pk: 5})
    stale = SupplyRequest.objects.get(pk=committee_request.pk)  # the second click's copy, loaded before the first send
    request_send(actor=town_stocked, request=committee_request, sent={})
    with pytest.raises(UserError, match="该申请已被处理"):
        request_send(actor=town_stocked, request=stale, sent={})
    assert StockMove.objects.filter(kind=MoveKind.SEND, item=masks_item).count() == 1
    assert balance_of(holder_of(town_stocked), masks_item) == 500


@pytest.mark.parametrize("action", ["send", "receive"])
def test_moves_out_of_order_are_refused(committee_request, town_stocked, worker, action):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="该申请已被处理"):
        if action == "send":
            request_send(actor=town_stocked, request=committee_request, sent={})
        else:
            request_receive(actor=worker, request=committee_request, received={})


def test_only_the_committees_town_may_commit(committee_request, other_town_officer, district_officer, worker):  # type: ignore[no-untyped-def]
    for actor in (other_town_officer, district_officer, worker):
        with pytest.raises(UserError, match="只有上级单位可以审批"):
            request_commit(actor=actor, request=committee_request, approved={})


def test_only_the_requesting_committee_may_receive(committee_request, town_stocked, outsider):  # type: ignore[no-untyped-def]
    request_commit(actor=town_stocked, request=committee_request, approved={})
    with pytest.raises(UserError, match="只有申请单位可以签收"):
        request_receive(actor=outsider, request=committee_request, received={})


def test_town_forwards_what_its_stock_cannot_cover(committee_request, town_stocked, district_officer, masks_item, suits):  # type: ignore[no-untyped-def]
    forwarded = request_commit(actor=town_stocked, request=committee_request, approved={}, forward=True)
    assert forwarded is not None and forwarded.parent_id == committee_request.pk
    assert forwarded.committee_id is None and forwarded.town_id == committee_request.town_id
    assert {line.item.name: line.requested for line in forwarded.lines.all()} == {"防护服": 10}  # 20 approved, 10 in stock
    assert forwarded.urgency == "urgent"
    # the district ships from its own stock to the town, which then covers the committee
    stock_add(actor=district_officer, item=suits, quantity=50)
    request_commit(actor=district_officer, request=forwarded, approved={})
    request_send(actor=district_officer, request=forwarded, sent={})
    request_receive(actor=town_stocked, request=forwarded, received={})
    assert balance_of(holder_of(town_stocked), suits) == 20
    assert balance_of(holder_of(district_officer), suits) == 40
    request_send(actor=town_stocked, request=committee_request, sent={})
    assert balance_of(holder_of(town_stocked), suits) == 0


def test_forward_is_refused_when_stock_suffices(committee_request, town_officer, masks_item, suits):  # type: ignore[no-untyped-def]
    stock_add(actor=town_officer, item=masks_item, quantity=500)
    stock_add(actor=town_officer, item=suits, quantity=20)
    with pytest.raises(UserError, match="无需转报"):
        request_commit(actor=town_officer, request=committee_request, approved={}, forward=True)
    assert SupplyRequest.objects.get(pk=committee_request.pk).status == Status.REQUESTED


def test_issue_refuses_negative_stock_and_keeps_the_ledger(worker, masks_item):  # type: ignore[no-untyped-def]
    stock_add(actor=worker, item=masks_item, quantity=30)
    stock_issue(actor=worker, item=masks_item, quantity=25, note="卡口志愿者")
    with pytest.raises(UserError, match="口罩库存不足"):
        stock_issue(actor=worker, item=masks_item, quantity=6, note="卡口志愿者")
    holder = holder_of(worker)
    assert balance_of(holder, masks_item) == 5 == ledger_sum(holder, masks_item)
    assert Stock.objects.filter(committee_id=worker.committee_id).count() == 1
    assert AuditEvent.objects.filter(action="supply.issue").count() == 1


def test_stock_in_must_be_positive(worker, masks_item):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="入库数量须为正整数"):
        stock_add(actor=worker, item=masks_item, quantity=0)


def test_demo_data_runs_once(district_officer, town_officer, worker, items):  # type: ignore[no-untyped-def]
    from fangkong.supplies.demo import setup_supplies_demo

    setup_supplies_demo(log=lambda _: None)
    setup_supplies_demo(log=lambda _: None)
    statuses = sorted(SupplyRequest.objects.values_list("status", flat=True))
    assert statuses == ["committed", "received", "requested", "requested", "sent"]  # incl. the town's forward

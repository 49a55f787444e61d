"""The work-order state machine: the table, who may move an order, and what each move records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fangkong.core.errors import UserError
from fangkong.core.models import AuditEvent
from fangkong.screening.models import EventKind, OrderStatus, ReturnReason
from fangkong.screening.services import (
    ACTIONS,
    StaleStatus,
    allowed_actions,
    extension_decide,
    extension_request,
    order_accept,
    order_assign_town,
    order_close,
    order_return,
    order_route,
    orders_route,
)

from .conftest import make_order

pytestmark = pytest.mark.django_db
S = OrderStatus

EXPECTED = {
    "route": ({S.PENDING_DISPATCH, S.PENDING_ACCEPT}, S.PENDING_ACCEPT),
    "assign_town": ({S.PENDING_DISPATCH}, None),
    "accept": ({S.PENDING_ACCEPT}, S.IN_PROGRESS),
    "report": ({S.IN_PROGRESS}, S.REPORTED),
    "return": ({S.PENDING_ACCEPT, S.IN_PROGRESS}, S.PENDING_DISPATCH),
    "close": ({S.REPORTED}, S.CLOSED),
    "dismiss": ({S.PENDING_DISPATCH}, S.CLOSED),
    "extend_request": ({S.IN_PROGRESS}, None),
    "extend_approve": ({S.IN_PROGRESS}, None),
    "extend_reject": ({S.IN_PROGRESS}, None),
}


def test_the_transition_table_is_the_documented_one():  # type: ignore[no-untyped-def]
    assert {name: (set(a.sources), a.target) for name, a in ACTIONS.items()} == EXPECTED


def test_a_closed_order_allows_nothing(committees, worker, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=S.CLOSED)
    assert allowed_actions(worker, order) == set()
    assert allowed_actions(town_officer, order) == set()


def test_the_committee_accepts_then_reports_and_the_town_closes(committees, worker, town_officer):  # type: ignore[no-untyped-def]
    from fangkong.screening.services import order_report

    order = make_order(committees["T04C027"])
    order_accept(actor=worker, order=order)
    order_report(actor=worker, order=order, outcome="not_home", note="电话联系，已约明早")
    order_close(actor=town_officer, order=order)
    order.refresh_from_db()
    assert order.status == S.CLOSED
    assert None not in (order.accept_seconds, order.door_seconds, order.close_seconds)
    kinds = list(order.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [(EventKind.ACCEPT, S.PENDING_ACCEPT, S.IN_PROGRESS), (EventKind.REPORT, S.IN_PROGRESS, S.REPORTED),
                     (EventKind.CLOSE, S.REPORTED, S.CLOSED)]
    assert sorted(AuditEvent.objects.filter(object_id=order.order_id).values_list("action", flat=True)) == [
        "screening.accept", "screening.close", "screening.report"]


def test_another_committee_cannot_accept(committees, outsider):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"])
    with pytest.raises(UserError):
        order_accept(actor=outsider, order=order)


def test_a_town_officer_cannot_accept_for_the_committee(committees, town_officer):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError):
        order_accept(actor=town_officer, order=make_order(committees["T04C027"]))


def test_accepting_twice_is_refused_as_stale(committees, worker):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"])
    stale_copy = type(order).objects.get(pk=order.pk)
    order_accept(actor=worker, order=order)
    with pytest.raises(StaleStatus):
        order_accept(actor=worker, order=stale_copy)


def test_the_town_routes_a_waiting_order_and_the_accept_clock_restarts(t04, committees, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(town=t04, accept_due=make_order(town=t04).created_at - timedelta(hours=5))
    order_route(actor=town_officer, order=order, committee=committees["T04C001"])
    order.refresh_from_db()
    assert (order.status, order.committee.code) == (S.PENDING_ACCEPT, "T04C001")
    assert order.accept_due > order.routed_at
    assert order.events.get().kind == EventKind.ROUTE


def test_a_town_cannot_route_to_another_towns_committee(t04, committees, town_officer):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="本辖区"):
        order_route(actor=town_officer, order=make_order(town=t04), committee=committees["T01C001"])


def test_bulk_routing_skips_orders_already_moved(t04, committees, town_officer, worker):  # type: ignore[no-untyped-def]
    waiting = [make_order(town=t04) for _ in range(3)]
    done = make_order(committees["T04C027"], status=S.REPORTED)
    assert orders_route(actor=town_officer, orders=[*waiting, done], committee=committees["T04C027"]) == 3
    assert {o.status for o in type(done).objects.filter(pk__in=[w.pk for w in waiting])} == {S.PENDING_ACCEPT}


def test_a_returned_order_goes_back_to_the_towns_waiting_list(committees, worker):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"])
    order_accept(actor=worker, order=order)
    order_return(actor=worker, order=order, reason=ReturnReason.NOT_OUR_AREA, note="该户属上南一村")
    order.refresh_from_db()
    assert (order.status, order.committee, order.town.code, order.returned_count) == (S.PENDING_DISPATCH, None, "T04", 1)
    event = order.events.last()
    assert (event.kind, event.reason_label, event.note) == (EventKind.RETURN, "不属本辖区", "该户属上南一村")


def test_returning_for_other_reasons_needs_a_note(committees, worker):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="说明"):
        order_return(actor=worker, order=make_order(committees["T04C027"]), reason=ReturnReason.OTHER)


def test_a_return_needs_a_known_reason(committees, worker):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="退单原因"):
        order_return(actor=worker, order=make_order(committees["T04C027"]), reason="不想去")


def test_after_a_return_the_committee_no_longer_sees_the_order(committees, worker):  # type: ignore[no-untyped-def]
    from fangkong.screening.models import WorkOrder

    order = make_order(committees["T04C027"])
    order_return(actor=worker, order=order, reason=ReturnReason.WRONG_ADDRESS)
    assert not WorkOrder.objects.visible_to(worker).filter(pk=order.pk).exists()


def test_the_district_hands_an_order_without_a_town_to_a_town(pudong, district_officer, t04):  # type: ignore[no-untyped-def]
    order = make_order(town=None, district=pudong)
    order_assign_town(actor=district_officer, order=order, town=t04)
    order.refresh_from_db()
    assert (order.status, order.town) == (S.PENDING_DISPATCH, t04)


def test_dismissing_a_waiting_order_needs_a_note(t04, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(town=t04)
    with pytest.raises(UserError, match="原因"):
        order_close(actor=town_officer, order=order)
    order_close(actor=town_officer, order=order, note="与另一工单重复")
    assert order.status == S.CLOSED


def test_a_committee_cannot_close_an_order_it_has_not_reported(committees, worker):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=S.IN_PROGRESS)
    with pytest.raises(StaleStatus):
        order_close(actor=worker, order=order)


def test_an_approved_extension_moves_the_result_clock(committees, worker, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=S.IN_PROGRESS)
    due = order.result_due
    extension_request(actor=worker, order=order, hours=12, reason="本人在医院陪护，明日返回")
    assert "extend_approve" in allowed_actions(town_officer, order)
    assert "extend_request" not in allowed_actions(worker, order)
    extension_decide(actor=town_officer, order=order, approve=True)
    order.refresh_from_db()
    assert order.result_due == due + timedelta(hours=12)
    assert order.extension_hours is None


def test_a_rejected_extension_keeps_the_clock(committees, worker, town_officer):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=S.IN_PROGRESS)
    due = order.result_due
    extension_request(actor=worker, order=order, hours=12, reason="联系不上")
    extension_decide(actor=town_officer, order=order, approve=False)
    order.refresh_from_db()
    assert order.result_due == due and order.extension_hours is None


def test_the_committee_cannot_approve_its_own_extension(committees, worker):  # type: ignore[no-untyped-def]
    order = make_order(committees["T04C027"], status=S.IN_PROGRESS)
    extension_request(actor=worker, order=order, hours=6, reason="联系不上")
    with pytest.raises(UserError):
        extension_decide(actor=worker, order=order, approve=True)


def test_an_extension_is_limited_in_hours(committees, worker):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="1到72"):
        extension_request(actor=worker, order=make_order(committees["T04C027"], status=S.IN_PROGRESS), hours=100,
                          reason="太忙")

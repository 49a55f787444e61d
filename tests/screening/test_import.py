"""ORDERS.csv → work orders: routing by code, idempotent re-runs, closed orders stay closed."""

from __future__ import annotations

import pytest

from fangkong.screening.models import EventKind, OrderEvent, OrderStatus, WorkOrder
from fangkong.screening.services_import import OrdersFileError, orders_import

from .conftest import order_row, write_orders

pytestmark = pytest.mark.django_db


def test_an_order_naming_a_committee_waits_for_its_acceptance(tmp_path, pudong, rooms):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(committee_code="T04C027", address_id="A90000001")])
    result = orders_import(path=path, district=pudong)
    order = WorkOrder.objects.get()
    assert (result.created, result.routed) == (1, 1)
    assert order.status == OrderStatus.PENDING_ACCEPT
    assert order.committee is not None and order.town is not None
    assert (order.committee.code, order.town.code) == ("T04C027", "T04")
    assert order.address_label == rooms["qihe_101"].label  # the standard address's label, not the raw text
    assert order.routed_at is not None


def test_an_order_without_a_committee_waits_at_its_town_with_candidates(tmp_path, pudong):  # type: ignore[no-untyped-def]
    candidates = [{"address_id": "A1", "committee_code": "T04C027", "label": "航亭环路1343弄", "score": 0.71},
                  {"address_id": "A2", "committee_code": "T04C001", "label": "上南路100号", "score": 0.69}]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(committee_code="", address_id="", town_code="T04",
                                                            match_status="review", candidates=candidates)])
    result = orders_import(path=path, district=pudong)
    order = WorkOrder.objects.get()
    assert result.at_town == 1
    assert order.status == OrderStatus.PENDING_DISPATCH
    assert order.town is not None and order.town.code == "T04" and order.committee is None
    assert [c["committee_name"] for c in order.candidates] == ["齐河第二社区", "上南一村"]


def test_an_order_with_no_known_town_waits_at_the_district(tmp_path, pudong):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(committee_code="", address_id="", town_code="")])
    result = orders_import(path=path, district=pudong)
    order = WorkOrder.objects.get()
    assert result.at_district == 1
    assert order.town is None and order.status == OrderStatus.PENDING_DISPATCH


def test_an_unknown_committee_code_falls_back_to_the_town(tmp_path, pudong):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(committee_code="T99C999", town_code="T01")])
    orders_import(path=path, district=pudong)
    order = WorkOrder.objects.get()
    assert order.town is not None and order.town.code == "T01" and order.committee is None and order.address_id == ""


def test_importing_the_same_day_twice_creates_nothing_twice(tmp_path, pudong):  # type: ignore[no-untyped-def]
    rows = [order_row(), order_row(order_type="symptom_check", priority="urgent", rules="R1;R2"),
            order_row(committee_code="", town_code="T04")]
    path = write_orders(tmp_path / "ORDERS.csv", rows)
    orders_import(path=path, district=pudong)
    again = orders_import(path=path, district=pudong)
    assert WorkOrder.objects.count() == 3
    assert OrderEvent.objects.filter(kind=EventKind.IMPORT).count() == 3
    assert (again.created, again.unchanged) == (0, 3)


def test_a_rerun_refreshes_the_evidence_of_an_open_order_but_keeps_its_state(tmp_path, pudong, worker):  # type: ignore[no-untyped-def]
    from fangkong.screening.services import order_accept

    row = order_row()
    orders_import(path=write_orders(tmp_path / "a.csv", [row]), district=pudong)
    order_accept(actor=worker, order=WorkOrder.objects.get())
    result = orders_import(path=write_orders(tmp_path / "b.csv", [{**row, "rules": "R1;R2", "priority": "urgent"}]),
                           district=pudong)
    order = WorkOrder.objects.get()
    assert result.updated == 1
    assert (order.rules, order.priority, order.status) == ("R1;R2", "urgent", OrderStatus.IN_PROGRESS)


def test_a_closed_order_is_not_reopened_by_a_rerun(tmp_path, pudong):  # type: ignore[no-untyped-def]
    row = order_row()
    orders_import(path=write_orders(tmp_path / "a.csv", [row]), district=pudong)
    WorkOrder.objects.update(status=OrderStatus.CLOSED)
    result = orders_import(path=write_orders(tmp_path / "b.csv", [{**row, "rules": "R1;R2"}]), district=pudong)
    order = WorkOrder.objects.get()
    assert result.closed_kept == 1
    assert (order.status, order.rules) == (OrderStatus.CLOSED, "R1")


def test_rows_with_an_unknown_type_are_reported_not_imported(tmp_path, pudong):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(order_type="lockdown"), order_row()])
    result = orders_import(path=path, district=pudong)
    assert WorkOrder.objects.count() == 1
    assert result.errors == [{"row": 1, "message": "未知的工单类型“lockdown”"}]


def test_a_file_without_the_contract_columns_is_refused(tmp_path, pudong):  # type: ignore[no-untyped-def]
    path = tmp_path / "ORDERS.csv"
    path.write_text("order_id,name\n1,王伟\n", encoding="utf-8")
    with pytest.raises(OrdersFileError, match="order_type"):
        orders_import(path=path, district=pudong)


def test_clocks_start_at_the_import_per_order_type(tmp_path, pudong):  # type: ignore[no-untyped-def]
    path = write_orders(tmp_path / "ORDERS.csv", [order_row(order_type="symptom_check", priority="urgent")])
    orders_import(path=path, district=pudong)
    order = WorkOrder.objects.get()
    assert (order.accept_due - order.created_at).total_seconds() == 30 * 60
    assert (order.result_due - order.created_at).total_seconds() == 4 * 3600


def test_the_demo_imports_a_day_for_zhoujiadu_once(committees, rooms):  # type: ignore[no-untyped-def]
    from fangkong.screening.demo import setup_screening_demo

    assert setup_screening_demo(log=lambda s: None, per_committee=2) == 10
    assert setup_screening_demo(log=lambda s: None, per_committee=2) == 10
    assert WorkOrder.objects.filter(status=OrderStatus.PENDING_DISPATCH).count() == 6
    assert WorkOrder.objects.filter(priority="urgent").count() == 2

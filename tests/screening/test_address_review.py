"""Orders the pipeline could not place go to their town's 地址复核 queue: once per order, with the
pipeline's candidates; a confirmed address routes the order as 派单 does (event, audit, SMS), a
rejected one leaves it at the town, and an order routed by hand first leaves the queue and is
never moved again. Another town's officer gets a 404."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from fangkong.addresses.models import AddressReview, ReviewStatus
from fangkong.addresses.tasks import address_match_run
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.orgs.models import Role
from fangkong.orgs.services import staff_create
from fangkong.screening.models import EventKind, OrderStatus, WorkOrder
from fangkong.screening.services import order_assign_town, order_close, order_route
from fangkong.screening.services_address import order_set_address
from fangkong.screening.services_import import orders_import
from tests.addresses.conftest import _address_index_dir  # noqa: F401 - autouse: each test's index in its own directory

from .conftest import order_row, write_orders

pytestmark = pytest.mark.django_db

UNKNOWN_TEXT = "齐河路某小区3号"  # the matcher places it nowhere: a person must
CANDIDATES = [{"address_id": "A90000001", "committee_code": "T04C027", "label": "航亭环路1343弄1号101室", "score": 0.71},
              {"address_id": "A90000003", "committee_code": "T04C001", "label": "上南路100号201室", "score": 0.69}]




@pytest.fixture
def qihe_phone(committees: Any) -> Any:
    return staff_create(username="qihe-a", password="pw-x", role=Role.COMMITTEE_WORKER, display_name="qihe-a",
                        phone="13900000001", committee=committees["T04C027"])


def import_day(tmp_path: Path, pudong: Any, rows: list[dict[str, str]]) -> Any:
    return orders_import(path=write_orders(tmp_path / "ORDERS.csv", rows), district=pudong)


def unroutable(**kw: Any) -> dict[str, str]:
    values: dict[str, Any] = {"committee_code": "", "address_id": "", "town_code": "T04", "match_status": "review",
                              "address_text": UNKNOWN_TEXT, "candidates": CANDIDATES}
    return order_row(**(values | kw))


def code(unit: Any) -> str:
    return unit.code if unit is not None else ""


def review_of(order: WorkOrder) -> AddressReview:
    return AddressReview.objects.get(source="screening", source_ref=str(order.pk))


def open_item(tmp_path: Path, pudong: Any, **kw: Any) -> tuple[WorkOrder, AddressReview]:
    """An imported order at 周家渡街道 whose item the matcher has handed to people."""
    import_day(tmp_path, pudong, [unroutable(**kw)])
    order = WorkOrder.objects.get()
    address_match_run.call(review_of(order).pk)
    review = review_of(order)
    assert review.status == ReviewStatus.OPEN
    return order, review


def test_an_order_waiting_at_its_town_goes_to_the_towns_queue_with_the_pipelines_candidates(tmp_path, pudong, rooms):  # type: ignore[no-untyped-def]
    result = import_day(tmp_path, pudong, [unroutable()])
    order = WorkOrder.objects.get()
    review = review_of(order)
    assert result.address_reviews == 1 and result.as_dict()["address_reviews"] == 1
    assert (review.text, code(review.town), review.source_label) == (UNKNOWN_TEXT, "T04", order.order_id)
    assert [(c["address_id"], c["committee"], c["town"]) for c in review.candidates] == [
        ("A90000001", "齐河第二社区", "周家渡街道"), ("A90000003", "上南一村", "周家渡街道")]


def test_the_pipelines_candidates_stay_when_the_matcher_finds_none(tmp_path, pudong, rooms):  # type: ignore[no-untyped-def]
    _order, review = open_item(tmp_path, pudong)
    assert [c["address_id"] for c in review.candidates] == ["A90000001", "A90000003"]


def test_reimporting_the_day_makes_no_second_item(tmp_path, pudong, rooms):  # type: ignore[no-untyped-def]
    row = unroutable()
    import_day(tmp_path, pudong, [row])
    again = import_day(tmp_path, pudong, [row])
    assert again.address_reviews == 0
    assert AddressReview.objects.filter(source="screening").count() == 1


def test_orders_the_pipeline_placed_or_with_no_town_or_no_text_get_no_item(tmp_path, pudong, rooms):  # type: ignore[no-untyped-def]
    import_day(tmp_path, pudong, [order_row(committee_code="T04C027"), unroutable(town_code="", candidates=[]),
                                  unroutable(address_text="")])
    assert not AddressReview.objects.filter(source="screening").exists()


def test_the_town_confirming_a_candidate_routes_the_order_with_its_event_audit_and_sms(  # type: ignore[no-untyped-def]
        client, tmp_path, pudong, rooms, town_officer, qihe_phone):
    order, review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    response = client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": "A90000001"})
    order.refresh_from_db()
    assert response.status_code == 302
    assert (order.status, code(order.committee), code(order.town)) == (OrderStatus.PENDING_ACCEPT, "T04C027", "T04")
    assert (order.address_id, order.address_label) == ("A90000001", rooms["qihe_101"].label)
    assert order.routed_at is not None
    route = order.events.get(kind=EventKind.ROUTE)
    assert (route.actor, route.from_status, route.to_status) == (town_officer, OrderStatus.PENDING_DISPATCH,
                                                                 OrderStatus.PENDING_ACCEPT)
    assert AuditEvent.objects.filter(action="screening.route", object_id=order.order_id, actor=town_officer).exists()
    assert OutboundMessage.objects.filter(recipient="13900000001").count() == 1
    assert review_of(order).status == ReviewStatus.CONFIRMED


def test_the_queue_names_the_source_and_links_to_the_order(client, tmp_path, pudong, rooms, town_officer):  # type: ignore[no-untyped-def]
    order, _review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    page = client.get(reverse("addresses:reviews")).content.decode()
    assert "联防联控工单" in page and reverse("screening:order", args=[order.pk]) in page and UNKNOWN_TEXT in page
    english = client.get(reverse("addresses:reviews"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Screening work order" in english


def test_rejecting_the_item_leaves_the_order_at_the_town(client, tmp_path, pudong, rooms, town_officer):  # type: ignore[no-untyped-def]
    order, review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    client.post(reverse("addresses:review_reject", args=[review.pk]), {"note": "查无此地"})
    order.refresh_from_db()
    assert (order.status, order.committee, code(order.town)) == (OrderStatus.PENDING_DISPATCH, None, "T04")
    assert not order.events.filter(kind=EventKind.ROUTE).exists()
    assert review_of(order).status == ReviewStatus.REJECTED


def test_a_town_cannot_send_the_order_to_another_towns_committee_from_the_queue(  # type: ignore[no-untyped-def]
        client, tmp_path, pudong, rooms, town_officer):
    order, review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    response = client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": "A90000004"}, follow=True)
    order.refresh_from_db()
    assert "只能派给本辖区的居村委" in response.content.decode()
    assert (order.status, order.committee) == (OrderStatus.PENDING_DISPATCH, None)
    assert review_of(order).status == ReviewStatus.OPEN


def test_an_address_the_town_confirmed_before_routes_the_next_order_at_once(  # type: ignore[no-untyped-def]
        client, tmp_path, pudong, rooms, town_officer):
    first, review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": "A90000003"})
    import_day(tmp_path, pudong, [unroutable()])  # another person at the same address, another day
    second = WorkOrder.objects.exclude(pk=first.pk).get()
    address_match_run.call(review_of(second).pk)
    second.refresh_from_db()
    assert (second.status, code(second.committee), second.address_id) == (OrderStatus.PENDING_ACCEPT, "T04C001",
                                                                         "A90000003")
    assert review_of(second).status == ReviewStatus.AUTO
    assert AuditEvent.objects.filter(action="screening.route", object_id=second.order_id, actor=None).exists()


def test_an_order_routed_by_hand_leaves_the_queue(client, tmp_path, pudong, rooms, town_officer, committees):  # type: ignore[no-untyped-def]
    order, review = open_item(tmp_path, pudong)
    order_route(actor=town_officer, order=order, committee=committees["T04C001"])
    review = review_of(order)
    assert (review.status, review.committee, review.resolved_by) == (ReviewStatus.CONFIRMED, committees["T04C001"],
                                                                      town_officer)
    client.force_login(town_officer)
    assert UNKNOWN_TEXT not in client.get(reverse("addresses:reviews")).content.decode()


def test_confirming_the_item_of_an_order_routed_by_hand_moves_nothing(  # type: ignore[no-untyped-def]
        client, tmp_path, pudong, rooms, town_officer, committees):
    order, review = open_item(tmp_path, pudong)
    client.force_login(town_officer)
    page = client.get(reverse("addresses:reviews")).content.decode()  # the officer's queue, still showing it
    assert UNKNOWN_TEXT in page
    order_route(actor=town_officer, order=order, committee=committees["T04C001"])  # meanwhile, from the order page
    response = client.post(reverse("addresses:review_confirm", args=[review.pk]), {"address_id": "A90000001"},
                           follow=True)
    order.refresh_from_db()
    assert "该地址已处理" in response.content.decode()
    assert (order.status, code(order.committee)) == (OrderStatus.PENDING_ACCEPT, "T04C001")
    assert order.events.filter(kind=EventKind.ROUTE).count() == 1


def test_a_late_resolution_leaves_a_routed_order_where_it_is(tmp_path, pudong, rooms, town_officer, committees):  # type: ignore[no-untyped-def]
    order, _review = open_item(tmp_path, pudong)
    order_route(actor=town_officer, order=order, committee=committees["T04C001"])
    assert order_set_address(order_id=order.pk, committee=committees["T04C027"]) is None
    order.refresh_from_db()
    assert order.committee == committees["T04C001"] and order.events.filter(kind=EventKind.ROUTE).count() == 1


def test_dismissing_or_transferring_the_order_closes_its_item(tmp_path, pudong, rooms, town_officer, district_officer):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Town

    import_day(tmp_path, pudong, [unroutable(), unroutable()])
    dismissed, moved = WorkOrder.objects.order_by("pk")
    order_close(actor=town_officer, order=dismissed, note="重复工单")
    order_assign_town(actor=district_officer, order=moved, town=Town.objects.get(code="T01"))
    assert (review_of(dismissed).status, review_of(dismissed).note) == (ReviewStatus.REJECTED, "工单已直接办结：重复工单")
    assert (review_of(moved).status, review_of(moved).note) == (ReviewStatus.REJECTED, "区级已转至上钢新村街道")


@pytest.mark.parametrize("name", ["review_confirm", "review_reject"])
def test_another_towns_officer_gets_404_on_the_item(client, tmp_path, pudong, rooms, other_town_officer, name):  # type: ignore[no-untyped-def]
    order, review = open_item(tmp_path, pudong)
    client.force_login(other_town_officer)
    assert UNKNOWN_TEXT not in client.get(reverse("addresses:reviews")).content.decode()
    response = client.post(reverse(f"addresses:{name}", args=[review.pk]), {"address_id": "A90000004"})
    assert response.status_code == 404
    assert client.get(reverse("addresses:review_search", args=[review.pk]), {"q": "源深路"}).status_code == 404
    order.refresh_from_db()
    assert (order.status, review_of(order).status) == (OrderStatus.PENDING_DISPATCH, ReviewStatus.OPEN)

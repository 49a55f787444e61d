"""The town's 地址复核 queue in a browser: an ambiguous typed address with its candidates, a
search for another room (htmx), one click to confirm; then the 地址识别率 page with its chart."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from fangkong.addresses.models import AddressReview, ReviewStatus
from fangkong.addresses.services import address_create
from fangkong.addresses.tasks import address_match_run
from fangkong.booking.models import Booking, Round
from fangkong.orgs.models import Committee, User

from .support import DESKTOP, OpenPage, needs_chromium, screenshot
from .test_desk import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def waiting(open_round: Round, committees: Any, settings: Any, tmp_path: Any) -> list[AddressReview]:
    """Two typed addresses the matcher could not decide (明星苑 or 明兴苑?), and one it placed."""
    from tests.addresses.review_helpers import typed_booking

    settings.ADDRESS_INDEX_DIR = tmp_path / "address-index"
    for n, (code, lane, name) in enumerate((("T04C027", "100", "明星苑"), ("T04C001", "200", "明兴苑")), start=1):
        for room in ("101", "102", "201"):
            address_create(
                address_id=f"A8{n}00{room}", committee=Committee.objects.get(code=code), road="民建路", lane=lane,
                number="1", compound=name, room=room,
            )
    reviews = []
    for text in ("明心苑1号101", "周家渡 明心苑1号201室 张先生", "民建路100弄1号102室"):
        booking = typed_booking(open_round, text)
        review = AddressReview.objects.get(source="booking", source_ref=str(booking.pk))
        address_match_run.call(review.pk)
        reviews.append(review)
    return reviews


def test_a_town_officer_confirms_a_typed_address_in_one_click(open_page: OpenPage, town_officer: User, waiting: list[AddressReview]) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "zhoujiadu")
    page.goto("/desk/addresses/reviews/")
    expect(page.get_by_role("heading", name="地址复核")).to_be_visible()
    first = page.locator(f"#review-{waiting[0].pk}")
    expect(first.get_by_text("明星苑").first).to_be_visible()
    first.get_by_placeholder("如 上南路3855弄12号302").fill("民建路100弄1号")
    first.get_by_role("button", name="搜索").click()
    expect(first.locator(".search-results").get_by_text("民建路100弄1号201室")).to_be_visible()
    screenshot(page, "address-review-queue")
    first.get_by_role("button", name="确认首选").click()
    expect(page.get_by_text("并记为地址别名")).to_be_visible()
    assert AddressReview.objects.get(pk=waiting[0].pk).status == ReviewStatus.CONFIRMED
    assert Booking.objects.get(pk=int(waiting[0].source_ref)).committee_id is not None
    page.goto("/desk/addresses/rate/")
    expect(page.locator("#rate-chart canvas")).to_be_visible()
    screenshot(page, "address-rate")


def test_a_screening_order_the_pipeline_could_not_place_is_routed_from_the_queue(
        open_page: OpenPage, town_officer: User, pudong: Any, rooms: Any, settings: Any, tmp_path: Any) -> None:
    """An unroutable work order waits at 周家渡街道 and in its 地址复核 queue with the pipeline's
    candidates; confirming the first routes the order to 齐河第二社区 (待签收)."""
    from fangkong.screening.models import OrderStatus, WorkOrder
    from fangkong.screening.services_import import orders_import
    from tests.screening.conftest import order_row, write_orders

    settings.ADDRESS_INDEX_DIR = tmp_path / "address-index"
    candidates = [{"address_id": "A90000001", "committee_code": "T04C027", "label": rooms["qihe_101"].label, "score": 0.71},
                  {"address_id": "A90000003", "committee_code": "T04C001", "label": rooms["shangnan"].label, "score": 0.69}]
    row = order_row(committee_code="", address_id="", town_code="T04", match_status="review",
                    address_text="齐河路某小区3号", candidates=candidates)
    orders_import(path=write_orders(tmp_path / "ORDERS.csv", [row]), district=pudong)
    order = WorkOrder.objects.get()
    review = AddressReview.objects.get(source="screening", source_ref=str(order.pk))
    address_match_run.call(review.pk)

    page = open_page(DESKTOP)
    sign_in(page, "zhoujiadu")
    page.goto("/desk/addresses/reviews/")
    item = page.locator(f"#review-{review.pk}")
    expect(item.get_by_text("联防联控工单").first).to_be_visible()
    expect(item.get_by_text("齐河路某小区3号").first).to_be_visible()
    expect(item.get_by_text("齐河第二社区").first).to_be_visible()
    screenshot(page, "address-review-screening-order")
    item.get_by_role("button", name="确认首选").click()
    expect(page.get_by_text("并记为地址别名")).to_be_visible()
    order.refresh_from_db()
    assert (order.status, order.committee.code if order.committee else "") == (OrderStatus.PENDING_ACCEPT, "T04C027")
    page.goto(f"/screening/orders/{order.pk}/")
    expect(page.get_by_text("齐河第二社区").first).to_be_visible()
    screenshot(page, "screening-order-routed-from-review")

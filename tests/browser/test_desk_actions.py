"""The worker approves and puts on hold from her phone: one tap swaps the row in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangkong.booking.models import Booking, BookingStatus, Round
from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import User
from tests.booking.helpers import book

from .support import DESKTOP, PHONE, OpenPage, Rooms, needs_chromium, screenshot
from .test_desk import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def bookings(open_round: Round, qihe_rooms: Rooms) -> list[Booking]:
    return [book(open_round, qihe_rooms[a], name=n) for a, n in [("A90100101", "王小明"), ("A90100102", "李秀英"), ("A90100103", "张伟")]]


def test_worker_approves_and_holds_on_her_phone(open_page: OpenPage, worker: User, bookings: list[Booking]) -> None:
    page = open_page(PHONE)
    sign_in(page, "qihe2")
    first, second, _third = bookings
    row = page.locator(f"#booking-{first.pk}")
    expect(row.get_by_role("button", name="通过", exact=True)).to_be_visible()
    screenshot(page, "desk-actions-phone")

    row.get_by_role("button", name="通过", exact=True).click()

    expect(page.locator(f"#booking-{first.pk} .badge-approved")).to_have_text("已通过")  # no pickup stock here: waits as 已通过 (vouchers: test_booking_loop.py)
    expect(page.locator(f"#booking-{first.pk}").get_by_role("button", name="通过", exact=True)).to_have_count(0)
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.APPROVED
    assert OutboundMessage.objects.filter(template="booking_approved").count() == 1

    held = page.locator(f"#booking-{second.pk}")
    held.locator("summary", has_text="待定").click()
    form = held.locator("details[open] form")
    form.get_by_label("原因").select_option(label="证件信息有误")
    form.get_by_label("跟进日期").fill("2099-01-05")
    screenshot(page, "desk-hold-form-phone")
    form.get_by_role("button", name="确认待定").click()
    expect(page.locator(f"#booking-{second.pk} .badge-on_hold")).to_have_text("待定")
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.ON_HOLD
    screenshot(page, "desk-after-actions-phone")


def test_desk_list_with_actions_on_an_office_pc(open_page: OpenPage, worker: User, bookings: list[Booking]) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "qihe2")
    row = page.locator(f"#booking-{bookings[0].pk}")
    row.locator("summary", has_text="不通过").click()
    expect(row.get_by_role("button", name="确认不通过")).to_be_visible()
    screenshot(page, "desk-actions-desktop")


def test_approve_works_without_javascript(open_page: OpenPage, worker: User, bookings: list[Booking], open_round: Round) -> None:
    page = open_page(DESKTOP, javascript=False)
    sign_in(page, "qihe2")
    page.locator(f"#booking-{bookings[2].pk}").get_by_role("button", name="通过", exact=True).click()
    expect(page.locator(".flash")).to_contain_text(f"预约 {bookings[2].booking_no}：已通过")  # no pickup stock here: waits as 已通过 (vouchers: test_booking_loop.py)
    expect(page.locator(f"#booking-{bookings[2].pk}")).to_have_count(0)  # the pending list no longer shows it
    assert Booking.objects.get(pk=bookings[2].pk).status == BookingStatus.APPROVED



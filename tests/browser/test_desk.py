"""The committee worker at her desk: signs in, finds a resident's booking masked, opens it in full.
A worker of another committee of the same town sees nothing of it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from fangkong.booking.forms import BookingData, Person
from fangkong.booking.models import Booking, IdType, Round
from fangkong.booking.services import booking_create
from fangkong.orgs.models import User
from tests.booking.helpers import resident_id

from .support import DESKTOP, OpenPage, Rooms, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def booking(open_round: Round, qihe_rooms: Rooms) -> Booking:
    """王小明 of 航亭环路1343号 齐河柏公寓 1号楼 102室 booked on his phone (see test_resident_booking)."""
    room = qihe_rooms["A90100102"]
    data = BookingData(
        applicant=Person("王小明", IdType.RESIDENT_ID, resident_id()),
        phone="13812345678",
        address=room,
        address_text=room.label,
        town=room.town,
        household_size=3,
    )
    return booking_create(round_=open_round, data=data).booking


def sign_in(page: Any, username: str, *, screenshot_as: str = "") -> None:
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    if screenshot_as:
        screenshot(page, screenshot_as)
    page.get_by_role("button", name="登录").click()


def test_committee_worker_finds_the_booking_masked_and_opens_it_in_full(
    open_page: OpenPage, worker: User, open_round: Round, booking: Booking
) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "qihe2", screenshot_as="login")

    # The open round's list of her committee is her desk.
    expect(page).to_have_url(re.compile(rf"/desk/rounds/{open_round.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("齐河第二社区 · 预约名单")
    row = page.get_by_role("row").filter(has_text=booking.booking_no)
    id_number = booking.id_number
    expect(row).to_contain_text(id_number[:6] + "********" + id_number[-4:])
    expect(row).to_contain_text("138****5678")
    expect(row).to_contain_text("王**")
    expect(page.locator("body")).not_to_contain_text(id_number)
    expect(page.locator("body")).not_to_contain_text("13812345678")
    screenshot(page, "desk-list")

    row.get_by_role("link", name="查看").click()

    expect(page).to_have_url(re.compile(rf"/desk/bookings/{booking.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(booking.booking_no)
    details = page.locator("dl.summary")
    expect(details).to_contain_text(id_number)
    expect(details).to_contain_text("13812345678")
    expect(details).to_contain_text("王小明")
    expect(page.locator(".notice")).to_contain_text("本次查看已记录")
    screenshot(page, "desk-booking-detail")


def test_worker_of_another_committee_neither_sees_the_booking_nor_opens_it(
    open_page: OpenPage, outsider: User, open_round: Round, booking: Booking
) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "shangnan1")

    expect(page).to_have_url(re.compile(rf"/desk/rounds/{open_round.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("上南一村 · 预约名单")
    expect(page.locator("table.list tbody")).to_have_text("暂无预约。")
    expect(page.locator("body")).not_to_contain_text(booking.booking_no)

    response = page.goto(f"/desk/bookings/{booking.pk}/")

    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(booking.booking_no)
    screenshot(page, "desk-404-other-committee")

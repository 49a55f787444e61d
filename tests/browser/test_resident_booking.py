"""A resident books on her phone: from the poster's QR code to "预约成功", with and without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
import segno
from playwright.sync_api import expect

from fangkong.booking.models import Booking, Round
from tests.booking.helpers import resident_id

from .support import PHONE, OpenPage, Rooms, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


def fill_applicant(
    page: Any, *, id_number: str, phone: str = "13812345678", household_size: int = 3
) -> None:
    page.get_by_label("姓名", exact=True).fill("王小明")
    page.get_by_label("证件号码", exact=True).fill(id_number)
    page.get_by_label("手机号码", exact=True).fill(phone)
    page.get_by_label("家庭人数", exact=True).fill(str(household_size))


def assert_fits_the_phone_width(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], (
        f"page is {width}px wide: it scrolls sideways on a phone"
    )


def test_resident_scans_the_qr_code_and_books_with_address_suggestions(
    open_page: OpenPage, site: Any, open_round: Round, qihe_rooms: Rooms
) -> None:
    link = f"{site.url}/r/{open_round.pk}/"
    page = open_page(PHONE)
    qr = page.request.get(f"/r/{open_round.pk}/qr.svg")
    assert qr.ok and qr.headers["content-type"] == "image/svg+xml"
    assert qr.text() == segno.make(link, error="m").svg_inline(scale=8, border=2), (
        "the QR code must encode the booking link"
    )

    suggestions: list[str] = []
    page.on("request", lambda r: "/addresses/suggest/" in r.url and suggestions.append(r.url))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(open_round.name)
    id_number = resident_id()
    fill_applicant(page, id_number=id_number)
    page.get_by_label("居住地址", exact=True).press_sequentially("齐河柏公寓1号楼10", delay=20)
    candidates = page.locator("#address-candidates label.candidate")
    expect(candidates).to_have_count(3)  # 101, 102, 103, swapped in by htmx as she typed
    assert suggestions and page.url == link
    candidates.filter(has_text="102室").get_by_role("radio").check()
    page.get_by_label("我已阅读并同意隐私声明").check()
    assert_fits_the_phone_width(page)
    screenshot(page, "resident-form")

    page.get_by_role("button", name="提交预约").click()

    expect(page.get_by_role("heading", name="预约成功")).to_be_visible()
    booking = Booking.objects.get(id_number=id_number)
    saved = Booking.objects.filter(pk=booking.pk).values_list(
        "address__address_id", "committee__name", "phone"
    )
    assert saved.get() == ("A90100102", "齐河第二社区", "13812345678")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(booking.booking_no)
    expect(summary).to_contain_text("第 1 位")
    expect(summary).to_contain_text("周家渡街道 · 齐河第二社区")
    # On screen the ID is masked (310115********1234).
    expect(page.locator("body")).not_to_contain_text(id_number)
    assert_fits_the_phone_width(page)
    screenshot(page, "resident-confirmation")


def test_resident_books_without_javascript_using_the_search_button(
    open_page: OpenPage, open_round: Round, qihe_rooms: Rooms
) -> None:
    page = open_page(PHONE, javascript=False)
    suggestions: list[str] = []
    page.on("request", lambda r: "/addresses/suggest/" in r.url and suggestions.append(r.url))
    page.goto(f"/r/{open_round.pk}/")
    id_number = resident_id()
    fill_applicant(page, id_number=id_number, household_size=1)
    page.get_by_label("居住地址", exact=True).fill("航亭环路1343号1号楼1")
    with page.expect_request(lambda r: r.method == "POST") as search:
        page.get_by_role("button", name="查找").click()

    assert "action=search" in (search.value.post_data or "")
    candidates = page.locator("#address-candidates label.candidate")
    expect(candidates).to_have_count(3)
    # The search round trip keeps what was typed.
    expect(page.get_by_label("证件号码", exact=True)).to_have_value(id_number)
    screenshot(page, "resident-form-no-js")
    candidates.filter(has_text="103室").get_by_role("radio").check()
    page.get_by_label("我已阅读并同意隐私声明").check()
    page.get_by_role("button", name="提交预约").click()

    expect(page.get_by_role("heading", name="预约成功")).to_be_visible()
    booking = Booking.objects.get(id_number=id_number)
    assert booking.address_text == "航亭环路1343号 齐河柏公寓 1号楼 103室"
    expect(page.locator("dl.summary")).to_contain_text(booking.booking_no)
    expect(page).to_have_url(re.compile(r"/done/[^/]+/$"))
    assert suggestions == [], "without JavaScript, no as-you-type suggestions"


def test_invalid_submit_shows_what_to_fix_next_to_each_field_in_chinese(
    open_page: OpenPage, open_round: Round, qihe_rooms: Rooms
) -> None:
    page = open_page(PHONE)
    page.goto(f"/r/{open_round.pk}/")
    good = resident_id()
    wrong_check_digit = good[:17] + ("0" if good[17] != "0" else "1")
    fill_applicant(page, id_number=wrong_check_digit, phone="1381234567")

    with page.expect_response(re.compile(rf"/r/{open_round.pk}/$")) as submitted:
        page.get_by_role("button", name="提交预约").click()

    assert submitted.value.status == 422
    expect(page.get_by_role("alert").first).to_have_text("请按红色提示修改后再提交。")
    expect(
        page.locator(".field", has=page.get_by_label("证件号码", exact=True)).locator(".error")
    ).to_have_text("身份证号码校验位不正确，请核对是否有输错的数字。")
    expect(
        page.locator(".field", has=page.get_by_label("手机号码", exact=True)).locator(".error")
    ).to_have_text("请填写11位中国大陆手机号码，用于接收短信。")
    expect(
        page.locator(".field", has=page.get_by_label("居住地址", exact=True)).locator(".error")
    ).to_have_text("请搜索并选择居住地址；找不到时请手动填写。")
    expect(page.locator(".consent .error")).to_have_text("请阅读并勾选同意隐私声明后再提交。")
    # What the resident typed is still there to correct.
    expect(page.get_by_label("姓名", exact=True)).to_have_value("王小明")
    assert not Booking.objects.exists()
    assert_fits_the_phone_width(page)
    screenshot(page, "resident-errors")

"""物资 in the browser: a committee worker asks for masks on her phone, the town officer stocks
up, approves part of it and ships at a desk, and the worker signs for less than was sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fangkong.orgs.models import User
from fangkong.supplies.models import Item, Status, SupplyRequest

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot
from .test_office import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


def test_request_commit_send_and_receive_with_a_shortfall(open_page: OpenPage, town_officer: User, worker: User) -> None:
    masks, _ = Item.objects.get_or_create(name="口罩", defaults={"unit": "只", "sort": 1})
    Item.objects.get_or_create(name="防护服", defaults={"unit": "套", "sort": 2})

    phone = open_page(PHONE)
    sign_in(phone, "qihe2")
    phone.locator(".nav-more summary").click()  # 培训, 文件, 物资 … fold under 更多
    phone.get_by_role("link", name="物资").click()
    phone.get_by_role("link", name="申请物资").click()
    phone.get_by_label("口罩", exact=True).fill("500")
    phone.get_by_label("紧急", exact=True).check()
    phone.get_by_label("申请理由").fill("齐河路核酸采样点本周缺口罩")
    screenshot(phone, "supplies_request_phone")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".flash")).to_contain_text("已提交")
    r = SupplyRequest.objects.get()

    desk = open_page(DESKTOP)
    sign_in(desk, "zhoujiadu")
    desk.goto("/supplies/stock/")
    desk.locator('[name="item"]').select_option(label="口罩（只）")
    desk.locator('[name="quantity"]').fill("400")
    desk.get_by_role("button", name="记账").click()
    expect(desk.locator("#balances")).to_contain_text("400 只")
    desk.goto("/supplies/?box=todo")
    desk.get_by_role("link", name=f"{r.number} · 齐河第二社区").click()
    desk.get_by_label("批准数量", exact=True).fill("300")
    desk.get_by_role("button", name="批准").click()
    expect(desk.locator("#status")).to_have_text("已批准待发")
    screenshot(desk, "supplies_commit_desk")
    desk.get_by_role("button", name="确认发出").click()
    expect(desk.locator("#status")).to_have_text("已发出")

    phone.goto(f"/supplies/{r.pk}/")
    phone.get_by_label("实收数量", exact=True).fill("290")
    phone.get_by_role("button", name="确认签收").click()
    expect(phone.locator(".flash")).to_contain_text("请填写短缺说明")
    phone.get_by_label("实收数量", exact=True).fill("290")
    phone.get_by_label("短缺说明（实收少于发出时必填）").fill("一箱受潮")
    phone.get_by_role("button", name="确认签收").click()
    expect(phone.locator("#status")).to_have_text("已签收")
    expect(phone.locator("#lines")).to_contain_text("短缺 10")
    screenshot(phone, "supplies_received_phone")
    assert SupplyRequest.objects.get(pk=r.pk).status == Status.RECEIVED

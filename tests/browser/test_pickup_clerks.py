"""The town adds a pharmacy clerk on the desk; the clerk sets her password by SMS code on her
phone and lands on the redemption page of that pharmacy."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import User
from fangkong.pickup.models import PickupPoint

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]
CLERK_PHONE = "13955556666"


@pytest.fixture
def pharmacy(pudong: Any) -> PickupPoint:
    from tests.pickup.conftest import make_point

    return make_point("T04", "益丰大药房（齐河路店）")


def test_town_adds_a_clerk_who_activates_on_her_phone(
    open_page: OpenPage, town_officer: User, pharmacy: PickupPoint, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    desk = open_page(DESKTOP)
    desk.goto("/accounts/login/")
    desk.get_by_label("用户名").fill("zhoujiadu")
    desk.get_by_label("密码").fill("pw-zhoujiadu")
    desk.get_by_role("button", name="登录").click()
    desk.goto("/desk/pickup/")
    row = desk.locator(f"#point-{pharmacy.pk}")
    expect(row).to_contain_text("还没有店员。")
    row.get_by_text("添加店员").click()
    row.get_by_label("店员姓名").fill("赵店员")
    row.get_by_label("手机号").fill("139 5555 6666")
    row.get_by_role("button", name="添加").click()
    expect(desk.locator(".flash")).to_contain_text("新建店员账号 赵店员（139****6666）")
    expect(desk.locator(f"#point-{pharmacy.pk}")).to_contain_text("待设置密码")
    screenshot(desk, "desk-pickup-clerks")
    invite = OutboundMessage.objects.get(recipient=CLERK_PHONE)
    assert invite.variables["url"] == f"{settings.SITE_URL}/accounts/activate/"

    phone = open_page(PHONE)
    phone.goto("/accounts/login/")
    phone.get_by_role("link", name="首次登录 / 忘记密码").click()
    phone.get_by_label("手机号").fill(CLERK_PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    expect(phone.locator(".flash")).to_contain_text("验证码短信已发送")
    code = OutboundMessage.objects.filter(recipient=CLERK_PHONE, template="staff_activation_code").get().variables["code"]
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_label("新密码", exact=True).fill("yifeng-qihe-2020")
    phone.get_by_label("再次输入新密码").fill("yifeng-qihe-2020")
    screenshot(phone, "staff-activate-phone")
    phone.get_by_role("button", name="设置密码并登录").click()
    expect(phone).to_have_url(re.compile(r"/pickup/$"))
    expect(phone.locator("body")).to_contain_text("益丰大药房（齐河路店）")
    expect(phone.locator(".flash")).to_contain_text(f"用户名“{CLERK_PHONE}”")
    screenshot(phone, "clerk-after-activation")
    cache.clear()

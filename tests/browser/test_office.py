"""Collaborative office, the whole loop: the district publishes to all committees, a committee
worker reads and acknowledges on her phone, the roll-up changes, 提醒未读 texts only the unread."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from fangkong.core.models import OutboundMessage
from fangkong.office.models import Receipt
from fangkong.orgs.models import User
from tests.office.conftest import make_person

from .support import DESKTOP, PHONE, SCREENSHOTS, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]
KEEP = settings.BASE_DIR / "docs" / "screenshots"


def keep(name: str) -> None:
    KEEP.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCREENSHOTS / f"{name}.png", KEEP / f"{name}.png")


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/?next=/office/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_publish_read_acknowledge_rollup_and_remind_only_the_unread(
    open_page: OpenPage, district_officer: User, worker: User, committees: dict[str, Any]
) -> None:
    User.objects.filter(pk=worker.pk).update(phone="13600000027")
    qihe, shangnan, shanggang = committees["T04C027"], committees["T04C001"], committees["T01C001"]
    others = [make_person(name="齐书记", post="书记", committee=qihe), make_person(name="齐志愿", post="志愿者", committee=qihe),
              make_person(name="上主任", post="主任", committee=shangnan), make_person(name="钢书记", post="书记", committee=shanggang)]

    desk = open_page(DESKTOP)
    sign_in(desk, "district")
    expect(desk).to_have_url(re.compile(r"/office/directives/$"))
    desk.get_by_role("link", name="发布通知").click()
    desk.get_by_label("标题").fill("关于加强小区出入管理的紧急通知")
    desk.get_by_label("正文").fill("各居村委：\n即日起各小区实行出入登记，请今晚20:00前落实并点击“收到”。")
    desk.get_by_label("紧急").check()
    desk.get_by_label("全部居村委人员").check()
    screenshot(desk, "office_publish")
    keep("office_publish")
    desk.get_by_role("button", name="发布").click()
    expect(desk.locator(".flash")).to_contain_text("已发布，5 人已收到。")
    rollup = desk.locator("#rollup")
    expect(rollup).to_contain_text("0/5")

    phone = open_page(PHONE)
    sign_in(phone, "qihe2")
    expect(phone).to_have_url(re.compile(r"/office/inbox/$"))
    expect(phone.locator("#unread-badge")).to_have_text("1 未读")
    screenshot(phone, "office_inbox_phone")
    keep("office_inbox_phone")
    phone.get_by_role("link", name=re.compile("关于加强小区出入管理")).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("关于加强小区出入管理的紧急通知")
    screenshot(phone, "office_receipt_phone")
    phone.get_by_role("button", name="收到").click()
    expect(phone.locator("#reply")).to_contain_text("已确认收到")
    phone.goto("/office/inbox/")
    expect(phone.locator("#unread-badge")).to_have_count(0)

    desk.reload()
    expect(rollup).to_contain_text("1/5 人已读")
    expect(rollup).to_contain_text("1/3 居村已确认")
    screenshot(desk, "office_rollup")
    keep("office_rollup")

    desk.get_by_role("button", name=re.compile("提醒未读")).click()
    expect(desk.locator(".flash")).to_contain_text("已提醒 4 人")
    texted = set(OutboundMessage.objects.filter(template="office_directive_reminder").values_list("recipient", flat=True))
    assert texted == {p.phone for p in others}
    assert "13600000027" not in texted
    assert Receipt.objects.filter(reminded_at__isnull=False).count() == 4
    desk.get_by_role("button", name=re.compile("提醒未读")).click()
    expect(desk.locator(".flash")).to_contain_text("5分钟内只能提醒一次")


def test_the_phone_nav_keeps_daily_links_in_sight_and_folds_the_rest(open_page: OpenPage, worker: User) -> None:
    phone = open_page(PHONE)
    sign_in(phone, worker.username)
    nav = phone.locator(".office-nav")
    for name in ("收件箱", "填表", "统一口径", "邮件"):
        expect(nav.get_by_role("link", name=re.compile(name))).to_be_visible()
    expect(nav.get_by_role("link", name="培训")).to_be_hidden()
    nav.locator(".nav-more summary").click()
    for name in ("培训", "文件", "经验做法", "物资", "工作台"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
    screenshot(phone, "office_nav_more_phone")

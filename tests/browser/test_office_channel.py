"""The town direct line and the policy answers in a browser: 周家渡街道 asks on a phone, the
district answers and marks the answer 经验做法, another town finds it in shared practice; a
committee worker searches the unified policy answers on her phone."""

from __future__ import annotations

import re
import shutil
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from fangkong.core.models import OutboundMessage
from fangkong.office.models import Thread, ThreadStatus
from fangkong.office.services_policy import policy_create
from fangkong.orgs.models import User

from .support import DESKTOP, PHONE, SCREENSHOTS, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]
KEEP = settings.BASE_DIR / "docs" / "screenshots"


def keep(name: str) -> None:
    KEEP.mkdir(parents=True, exist_ok=True)
    shutil.copy(SCREENSHOTS / f"{name}.png", KEEP / f"{name}.png")


def sign_in(page: Any, username: str, next_url: str = "/office/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_a_town_asks_the_district_answers_and_another_town_sees_the_shared_practice(
    open_page: OpenPage, town_officer: User, district_officer: User, other_town_officer: User
) -> None:
    User.objects.filter(pk=town_officer.pk).update(phone="13600000004")

    town = open_page(PHONE)
    sign_in(town, "zhoujiadu", "/office/channel/")
    town.get_by_role("link", name="我要提问").click()
    town.get_by_label("标题").fill("居家隔离户的生活垃圾由谁清运？")
    town.get_by_label("类别").select_option(label="工作请示")
    town.get_by_label("紧急", exact=True).check()
    town.get_by_label("问题描述").fill("齐河第二社区有3户居家隔离，物业不愿上门收垃圾，请明确清运责任和频次。")
    screenshot(town, "office_channel_ask_phone")
    keep("office_channel_ask_phone")
    town.get_by_role("button", name="提交给区防控办").click()
    expect(town.locator(".flash")).to_contain_text("问题已提交")
    expect(town.locator("#thread-status")).to_have_text("待处理")

    desk = open_page(DESKTOP)
    sign_in(desk, "district", "/office/channel/")
    expect(desk.locator("#nav-channel-badge")).to_have_text("1")
    desk.get_by_role("link", name=re.compile("居家隔离户的生活垃圾")).click()
    desk.get_by_label("答复").fill("由街镇环卫所统一上门清运，每日一次；垃圾双层袋封装、消毒后交接。")
    desk.get_by_role("button", name="发送").click()
    expect(desk.locator("#thread-status")).to_have_text("已答复")
    desk.get_by_role("button", name="标为经验做法").click()
    expect(desk.locator(".flash")).to_contain_text("已标记为经验做法")
    expect(desk.locator("#messages .shared-mark")).to_have_count(1)
    screenshot(desk, "office_channel_answer")
    keep("office_channel_answer")
    thread = Thread.objects.get()
    assert thread.status == ThreadStatus.ANSWERED and thread.assignee_id == district_officer.pk
    assert list(OutboundMessage.objects.filter(template="office_channel_answered").values_list("recipient", flat=True)) \
        == ["13600000004"]

    town.goto("/office/channel/")
    expect(town.locator("#channel-badge")).to_contain_text("1 条新动态")
    town.get_by_role("link", name=re.compile("居家隔离户的生活垃圾")).click()
    expect(town.locator("#messages .shared-mark")).to_have_count(1)
    screenshot(town, "office_channel_thread_phone")

    other = open_page(PHONE)
    sign_in(other, "shanggang", "/office/channel/shared/")
    other.get_by_role("searchbox").fill("环卫所")
    other.get_by_role("button", name="搜索").click()
    expect(other.locator("#shared li")).to_have_count(1)
    expect(other.locator("#shared mark").first).to_have_text("环卫所")
    screenshot(other, "office_channel_shared_phone")
    assert other.goto(f"/office/channel/{thread.pk}/").status == 404


def test_a_committee_worker_searches_the_policy_answers_on_her_phone(
    open_page: OpenPage, district_officer: User, worker: User
) -> None:
    entries = [
        ("居家隔离期间能否外出购买生活物资？", "不能。居家隔离期间由居委会安排志愿者代购，费用由居民自理。", "隔离 代购", "prevention"),
        ("返沪人员需要居家隔离几天？", "来自中高风险地区的返沪人员居家隔离14天，其他地区健康监测7天。", "返沪 隔离", "prevention"),
        ("口罩预约每户限购几个？", "每户每轮限购5个，按登记顺序审核。", "口罩 限购", "supplies"),
    ]
    for q, a, k, c in entries:
        policy_create(actor=district_officer, question=q, answer=a, keywords=k, category=c,
                      effective_date=date(2026, 11, 1))
    phone = open_page(PHONE)
    sign_in(phone, "qihe2", "/office/policy/")
    phone.get_by_role("searchbox").fill("隔离")
    phone.get_by_role("button", name="搜索").click()
    expect(phone.locator("#result-count")).to_have_text("找到 2 条")
    expect(phone.locator("#policies mark").first).to_have_text("隔离")
    screenshot(phone, "office_policy_search")
    keep("office_policy_search")
    phone.get_by_role("link", name=re.compile("返沪人员需要居家隔离几天")).click()
    expect(phone.locator("#answer")).to_contain_text("居家隔离14天")

"""File exchange and internal mail in a browser: the district sends a file to 齐河第二社区, a
committee worker downloads it on her phone and the district sees it downloaded; she then mails
周家渡街道's mailbox and the town officer, seeing the unread badge, replies in the thread."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from fangkong.exchange.models import Download
from fangkong.orgs.models import User

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


def sign_in(page: Any, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_a_file_is_sent_downloaded_on_a_phone_and_a_mail_thread_is_answered(
    open_page: OpenPage, district_officer: User, town_officer: User, worker: User, tmp_path: Any
) -> None:
    plan = tmp_path / "第九版防控方案.pdf"
    plan.write_bytes(b"%PDF-1.4 plan")
    desk = open_page(DESKTOP)
    sign_in(desk, "district", "/office/exchange/files/new/")
    desk.get_by_label("文件标题").fill("第九版防控方案")
    desk.locator("#id_file").set_input_files(str(plan))
    desk.get_by_label("指定居村委").select_option(label="周家渡街道 · 齐河第二社区")
    desk.get_by_role("button", name="发送").click()
    expect(desk.locator("#downloaded")).to_contain_text("0/1")

    phone = open_page(PHONE)
    sign_in(phone, "qihe2", "/office/exchange/files/")
    expect(phone.locator("#received")).to_contain_text("未下载")
    phone.get_by_role("link", name="第九版防控方案").click()
    with phone.expect_download() as got:
        phone.locator("#versions a").first.click()
    assert got.value.suggested_filename == "第九版防控方案.pdf"
    phone.goto("/office/exchange/files/")
    expect(phone.locator("#received")).to_contain_text("已下载")
    screenshot(phone, "exchange_files_phone")
    assert Download.objects.count() == 1

    desk.reload()
    expect(desk.locator("#downloaded")).to_contain_text("1/1")
    expect(desk.locator("#people")).to_contain_text("已下载第1版")
    screenshot(desk, "exchange_file_status_desktop")

    phone.goto("/office/exchange/mail/new/")
    phone.get_by_label("主题").fill("齐河口罩缺口")
    phone.get_by_label("正文").fill("口罩还差200只，请街道协调。")
    phone.get_by_label("街镇信箱").select_option(label="周家渡街道")
    phone.get_by_role("button", name="发送").click()
    expect(phone.locator("#messages")).to_contain_text("口罩还差200只")

    town = open_page(PHONE)
    sign_in(town, "zhoujiadu", "/office/exchange/mail/")
    expect(town.locator("#nav-mail-badge")).to_have_text("1")
    town.get_by_role("link", name="齐河口罩缺口").click()
    town.get_by_label("回复", exact=True).fill("已协调，明天上午送到。")
    town.get_by_role("button", name="回复").click()
    expect(town.locator("#messages")).to_contain_text("已协调，明天上午送到。")

    phone.goto("/office/exchange/mail/")
    expect(phone.locator("#nav-mail-badge")).to_have_text("1")
    phone.get_by_role("link", name="齐河口罩缺口").click()
    expect(phone.locator("#messages")).to_contain_text("已协调")
    screenshot(phone, "exchange_mail_thread_phone")

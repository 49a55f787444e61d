"""Browser smoke test of the committee's phone pages (Debian chromium; skipped without it):
the list with an overdue order in red, accept, the on-site result; then the town's bulk 派单.
Screenshots in
test-artifacts/screenshots/screening-*.png."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.screening.models import OrderStatus
from tests.browser.conftest import chromium, open_page, site  # noqa: F401 - the browser fixtures
from tests.browser.support import DESKTOP, PHONE, needs_chromium, screenshot

from .conftest import hours_ago, make_order

pytestmark = [pytest.mark.browser, needs_chromium]


def sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/?next=/screening/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_a_worker_accepts_and_reports_on_a_phone(open_page, worker, town_officer, committees, t04) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    late = make_order(committees["T04C027"], order_type="symptom_check", name="王小明", accept_due=hours_ago(0.2))
    make_order(committees["T04C027"], name="李娜", address_label="航亭环路1343弄1号102室")
    waiting = make_order(town=t04, candidates=[{"address_id": "A1", "label": "上南路100号201室", "committee_code": "T04C001",
                                                "committee_id": committees["T04C001"].pk, "committee_name": "上南一村"}])

    phone = open_page(PHONE)
    sign_in(phone, worker.username)
    red = phone.locator(f"li[data-order='{late.order_id}']")
    assert "overdue" in (red.get_attribute("class") or "")
    assert red.locator("a").evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(207, 34, 46)"
    screenshot(phone, "screening-committee-list-phone")

    red.locator("a").click()
    phone.get_by_role("button", name="签收").click()
    phone.get_by_text("已签收，请尽快上门核查。").wait_for()
    screenshot(phone, "screening-order-detail-phone")
    phone.get_by_role("link", name="填写核查结果").click()
    phone.get_by_label("在家观察").check()
    phone.get_by_label("情况说明（可选）").fill("体温36.8，已告知居家观察要求")
    screenshot(phone, "screening-result-phone")
    phone.get_by_role("button", name="提交").click()
    phone.get_by_text("核查结果已提交。").wait_for()
    late.refresh_from_db()
    assert late.status == OrderStatus.REPORTED

    desk = open_page(DESKTOP)
    sign_in(desk, town_officer.username)
    desk.get_by_text("上南路100号201室").wait_for()
    screenshot(desk, "screening-town-list")
    desk.get_by_label(waiting.order_id).check()
    desk.get_by_label("派往居村委").select_option(label="上南一村")
    desk.get_by_role("button", name="批量派单").click()
    desk.get_by_text("已派出1张工单至上南一村。").wait_for()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.committee) == (OrderStatus.PENDING_ACCEPT, committees["T04C001"])

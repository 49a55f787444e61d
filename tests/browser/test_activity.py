"""The activity dashboard on a phone: two committee workers use the office, the district officer
sees them among today's active users, per module and per town, and drills into 周家渡街道."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.activity.middleware import tracker
from fangkong.activity.models import UserDay
from fangkong.orgs.models import User

from .support import PHONE, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


def sign_in(page: Any, username: str, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def _history(users: list[User]) -> None:
    """Earlier days (the browser can only make today's): a few users a day over four weeks."""
    rng = random.Random(5)
    today = timezone.localdate()
    for days_ago in range(1, 30):
        for user in users:
            for module in ("office", "desk"):
                if rng.random() < 0.6:
                    UserDay.objects.create(user=user, module=module, day=today - timedelta(days=days_ago),
                                           district_id=user.district_id, town_id=user.town_id,
                                           committee_id=user.committee_id, hits=rng.randint(1, 40))


def test_district_sees_todays_active_users_by_module_and_town(
    open_page: OpenPage, district_officer: User, town_officer: User, worker: User, outsider: User,
    other_town_officer: User,
) -> None:
    tracker.clear()
    tracker.enabled = True  # off for other apps' tests (tests/conftest.py); the shared fixture turns it off again
    _history([worker, outsider, town_officer, other_town_officer])
    for user in (worker, outsider):
        phone = open_page(PHONE)
        sign_in(phone, user.username, "/office/inbox/")
        expect(phone).to_have_url("/office/inbox/")
    assert UserDay.objects.filter(day=timezone.localdate(), module="office").count() == 2

    page = open_page(PHONE)
    sign_in(page, "district", "/activity/")
    expect(page.get_by_test_id("dau-today")).to_have_text("2")
    expect(page.locator("#units")).to_contain_text("周家渡街道")
    page.wait_for_function("document.querySelector('[data-chart=daily] canvas') !== null")
    screenshot(page, "activity_district_phone")

    page.get_by_role("link", name="周家渡街道").click()
    expect(page.locator("#units")).to_contain_text("齐河第二社区")
    expect(page.get_by_test_id("dau-today")).to_have_text("2")
    screenshot(page, "activity_town_phone")

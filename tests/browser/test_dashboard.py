"""The live dashboards in a browser: the district officer sees every town with charts, drills
to 周家渡街道 and its committees; a worker's approval shows up without reloading the page
(htmx refresh); the committee worker reads her own dashboard on a phone."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.booking import dashboard_views, workflow
from fangkong.booking.dashboard_counters import counters_rebuild
from fangkong.booking.models import Booking, BookingStatus, Round, RoundUnit
from fangkong.orgs.models import Committee, User

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot
from .test_desk import sign_in

pytestmark = [pytest.mark.browser, needs_chromium]
S = BookingStatus
# Status by position in a committee's queue: the early ones mostly done, the late ones waiting.
MIX = [S.REDEEMED, S.NOTIFIED, S.REDEEMED, S.APPROVED, S.NOTIFIED, S.REJECTED, S.REDEEMED, S.ON_HOLD, S.EXPIRED,
       S.NOTIFIED, S.PENDING, S.PENDING, S.NOTIFIED, S.PENDING, S.VOIDED, S.PENDING, S.PENDING]


@pytest.fixture
def busy_round(open_round: Round, worker: User, district_officer: User) -> Round:
    """About 2,000 bookings over the last 40 hours: every committee of 周家渡街道 and of four other
    towns, loaded in bulk (then the counters rebuilt, as after any such load); 齐河第二社区's
    pending ones are the last registered."""
    now = timezone.now()
    Round.objects.filter(pk=open_round.pk).update(opens_at=now - timedelta(hours=40))
    open_round.refresh_from_db()
    committees = list(Committee.objects.filter(town__code__in=["T04", "T01", "T02", "T13", "T31"]).order_by("code"))
    bookings, n = [], 0
    for k, committee in enumerate(committees):
        unit, _ = RoundUnit.objects.get_or_create(round=open_round, committee=committee, defaults={"town_id": committee.town_id})
        count = 8 + (k * 7) % 23 if committee.code != "T04C027" else 17
        for seq in range(1, count + 1):
            n += 1
            status = MIX[(seq - 1 + k) % len(MIX)] if committee.code != "T04C027" else MIX[seq - 1]
            hours_ago = 39 * (count - seq) / count + (k % 5) * 0.3
            created = now - timedelta(hours=hours_ago, minutes=n % 50)
            bookings.append(Booking(
                round=open_round, booking_no=f"B{open_round.pk}-{committee.code}-{seq:05d}", seq=seq, unit=unit,
                district_id=committee.district_id, town_id=committee.town_id, committee=committee,
                name="王小明", id_number=f"31011519850101{n:04d}", phone=f"138{n:08d}", address_text="航亭环路1343号",
                status=status, consent_at=created, created_at=created,
            ))
        unit.booked = count
        unit.quota = 30
        unit.save(update_fields=["booked", "quota"])
    Booking.objects.bulk_create(bookings, batch_size=500)
    counters_rebuild(round_=open_round)
    return open_round


def test_district_officer_drills_from_all_towns_to_a_committee_and_sees_approvals_arrive(
    open_page: OpenPage, busy_round: Round, district_officer: User, worker: User, monkeypatch: Any
) -> None:
    page = open_page(DESKTOP)
    sign_in(page, "district")
    page.goto(f"/desk/rounds/{busy_round.pk}/")
    page.get_by_role("link", name="实时看板（图表）").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{busy_round.name} · 全区 · 实时看板")
    expect(page.locator(".dash-updated")).to_contain_text(re.compile(r"更新于 \d\d:\d\d:\d\d"))
    for chart in ("statuses", "hours", "rows"):
        expect(page.locator(f"[data-chart={chart}] canvas")).to_have_count(1)  # ECharts drew it
    table = page.locator("table.dash-table")
    expect(table.get_by_role("row")).to_have_count(37)  # header + 36 towns
    town_row = table.get_by_role("row").filter(has_text="周家渡街道")
    pending = Booking.objects.filter(round=busy_round, town__code="T04", status=S.PENDING).count()
    expect(town_row.get_by_role("cell").nth(2)).to_have_text(str(pending))
    page.wait_for_timeout(300)
    screenshot(page, "dashboard_district")

    town_row.get_by_role("link", name=str(pending)).click()  # the number, status carried
    expect(page).to_have_url(re.compile(r"/dashboard/towns/\d+/\?status=pending$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{busy_round.name} · 周家渡街道 · 实时看板")
    expect(page.locator("th.sel")).to_have_text("待审核")
    qihe_row = page.locator("table.dash-table").get_by_role("row").filter(has_text="齐河第二社区")
    expect(qihe_row.get_by_role("cell").nth(2)).to_have_text("5")
    page.wait_for_timeout(300)
    screenshot(page, "dashboard_town")

    # A worker approves one: the page refreshes itself (htmx) and the count drops, no reload.
    monkeypatch.setattr(dashboard_views, "POLL_SECONDS", 1)  # not 15 s, for the test's sake
    page.reload()
    expect(page.locator(".dash-updated")).to_contain_text("每 1 秒自动刷新")
    page.evaluate("window.__marker = 1")
    first = Booking.objects.filter(round=busy_round, committee__code="T04C027", status=S.PENDING).order_by("seq").first()
    assert first is not None
    workflow.booking_approve(actor=worker, booking_id=first.pk)
    expect(qihe_row.get_by_role("cell").nth(2)).to_have_text("4", timeout=10_000)
    assert page.evaluate("window.__marker") == 1
    expect(page.locator("[data-chart=rows] canvas")).to_have_count(1)  # charts redrawn after the swap

    # The committee's number opens the list behind it: exactly those rows.
    qihe_row.get_by_role("cell").nth(2).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/committees/\d+/\?status=pending$"))
    expect(page.locator("table.bookings tbody tr")).to_have_count(4)


def test_committee_worker_reads_her_dashboard_on_a_phone(open_page: OpenPage, busy_round: Round, worker: User) -> None:
    page = open_page(PHONE)
    sign_in(page, "qihe2")
    page.get_by_role("link", name="实时看板").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{busy_round.name} · 齐河第二社区 · 实时看板")
    expect(page.locator("[data-chart=statuses] canvas")).to_have_count(1)
    expect(page.locator(".stats")).to_contain_text("审核积压")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    page.wait_for_timeout(300)
    screenshot(page, "dashboard_committee_phone")
    page.locator(".stats a.stat").first.click()
    expect(page).to_have_url(re.compile(r"/committees/\d+/\?status=$"))
    expect(page.locator("p.muted").filter(has_text="共 17 条")).to_have_count(1)


def test_tables_carry_the_numbers_without_javascript(open_page: OpenPage, busy_round: Round, district_officer: User) -> None:
    page = open_page(DESKTOP, javascript=False)
    sign_in(page, "district")
    page.goto(f"/desk/rounds/{busy_round.pk}/dashboard/")
    expect(page.locator("table.dash-table").get_by_role("row")).to_have_count(37)
    expect(page.locator("[data-chart] canvas")).to_have_count(0)
    assert page.locator("[data-chart=hours]").bounding_box()["height"] == 0  # type: ignore[index]

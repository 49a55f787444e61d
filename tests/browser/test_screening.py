"""Screening work orders in a browser, the issue's story: a day's orders arrive through the real
import; the town officer sees them and routes the one waiting at the town; a committee worker
on a phone (390x844) accepts, opens the map, goes to the door and reports a result; an order
not accepted in time turns red on her list and on the map; the town's dashboard funnel follows.
Screenshots: test-artifacts/screenshots/screening-*.png."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import Committee, District, Role, Town, User
from fangkong.orgs.services import staff_create
from fangkong.screening.clocks import escalate_overdue
from fangkong.screening.models import OrderStatus, RunStatus, ScreeningRun, WorkOrder
from fangkong.screening.services_import import orders_import
from tests.screening.conftest import hours_ago, make_order, order_row, write_orders

from .support import DESKTOP, PHONE, OpenPage, needs_chromium, screenshot

pytestmark = [pytest.mark.browser, needs_chromium]


def sign_in(page: Any, username: str, *, to: str = "/screening/") -> None:
    page.goto(f"/accounts/login/?next={to}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(re.escape(to) + "$"))


def why(rule: str, text: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"rules": [{"rule": rule, "text": text}],
            "records": [{"record_id": "checkpoint:12", "source": "checkpoint", "time": "2020-02-20 21:05", "fields": fields}]}


@pytest.fixture
def duty_phone(worker: User) -> User:
    User.objects.filter(pk=worker.pk).update(phone="13900000027")
    return worker


@pytest.fixture
def day(qihe_rooms: dict[str, Any], duty_phone: User, tmp_path: Path, settings: Any) -> dict[str, WorkOrder]:
    """07:00: the day's ORDERS.csv imported (three orders straight to 齐河第二社区 with rooms on the
    map, one without a position, one waiting at 周家渡街道 between two candidate rooms)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIANDITU_KEY = ""  # no tiles: the map must work on its plain background
    wuhan = why("R1", "2020-02-20 自湖北省武汉市来沪（道口登记），14天内，武汉市为重点地区。",
                {"道口": "G60沪昆高速枫泾", "姓名": "王小明", "出发地": "湖北省武汉市", "目的地址": "航亭环路1343弄1号101室"})
    rows = [
        order_row(committee_code="T04C027", address_id="A90100101", name="王小明", explanation=wuhan),
        order_row(committee_code="T04C027", address_id="A90100102", name="李娜", explanation=wuhan),
        order_row(committee_code="T04C027", address_id="A90100103", name="张伟", order_type="symptom_check",
                  priority="urgent", rules="R1;R2", explanation=why("R2", "健康云填报有发热症状。", {"是否有症状": "是"})),
        order_row(committee_code="T04C027", address_id="", name="刘洋", match_status="committee_only",
                  address_text="齐河路某小区（门牌不详）", explanation=wuhan),
        order_row(committee_code="", address_id="", town_code="T04", name="陈静", match_status="review",
                  address_text="航亭环路1343弄", explanation=wuhan,
                  candidates=[{"address_id": "A90100103", "committee_code": "T04C027", "label": "航亭环路1343弄1号103室", "score": 0.74},
                              {"address_id": "A90100201", "committee_code": "T04C001", "label": "金桥路3914弄1号101室", "score": 0.61}]),
    ]
    result = orders_import(path=write_orders(tmp_path / "ORDERS.csv", rows), district=District.objects.get(code="310115"))
    assert (result.created, result.routed, result.at_town) == (5, 4, 1)
    return {o.name: o for o in WorkOrder.objects.all()}


def test_from_import_to_the_door_with_the_map_and_the_funnel(
    open_page: OpenPage, day: dict[str, WorkOrder], duty_phone: User, town_officer: User
) -> None:
    # The worker was told by SMS (counts only, no names).
    [sms] = OutboundMessage.objects.filter(recipient="13900000027")
    assert (sms.template, sms.variables["count"], sms.variables["urgent"]) == ("screening_new_orders", 4, 1)

    # The town officer sees the order waiting at the town and routes it to the candidate room.
    desk = open_page(DESKTOP)
    sign_in(desk, town_officer.username)
    waiting = desk.locator(f"tr[data-order='{day['陈静'].order_id}']")
    expect(waiting).to_contain_text("航亭环路1343弄1号103室")
    expect(waiting).to_contain_text("陈*")
    screenshot(desk, "screening-town-new-orders")
    desk.locator(".tabs").get_by_role("link", name="待签收 4").click()
    expect(desk.locator("tbody tr[data-order]")).to_have_count(4)  # the others went straight to the committee
    desk.locator(".tabs").get_by_role("link", name="待派单 1").click()
    waiting.get_by_role("button", name="派往").first.click()
    expect(desk.get_by_text("已派至齐河第二社区。")).to_be_visible()
    routed = WorkOrder.objects.get(pk=day["陈静"].pk)
    assert (routed.status, routed.address_id) == (OrderStatus.PENDING_ACCEPT, "A90100103")

    desk.goto("/screening/dashboard/")
    funnel = desk.locator("#funnel")
    expect(funnel.locator("[data-step=orders] b")).to_have_text("5")
    expect(funnel.locator("[data-step=accepted] b")).to_have_text("0")
    desk.locator("[data-chart=funnel] canvas").wait_for()
    screenshot(desk, "screening-dashboard-before")

    # On her phone: the list, urgent first; she accepts the urgent one.
    phone = open_page(PHONE)
    sign_in(phone, duty_phone.username)
    expect(phone.locator("#orders li[data-order]")).to_have_count(5)
    urgent = phone.locator(f"li[data-order='{day['张伟'].order_id}']")
    expect(urgent).to_contain_text("紧急")
    screenshot(phone, "screening-phone-list")
    urgent.locator("a").click()
    phone.get_by_role("button", name="签收").click()
    expect(phone.get_by_text("已签收，请尽快上门核查。")).to_be_visible()

    # She opens the map: four orders in the rooms of one building (one point, one marker); the
    # one without a room is listed beside the map.
    phone.goto("/screening/")
    phone.get_by_role("link", name="在地图上查看").click()
    expect(phone.locator("#map")).to_have_attribute("data-ready", "1")
    markers = phone.locator(".order-marker")
    expect(markers).to_have_count(1)
    expect(markers).to_have_text("4")
    expect(phone.locator("#unplaced .map-order")).to_have_count(1)
    expect(phone.locator("#unplaced")).to_contain_text("齐河路某小区（门牌不详）")
    expect(phone.locator("#map-counts [data-n=open]")).to_have_text("5")
    expect(phone.locator(".leaflet-control-scale")).to_be_visible()
    assert phone.locator(".leaflet-tile").count() == 0  # no key, no tiles: nothing fetched from outside
    markers.first.click()
    popup = phone.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("张*")
    expect(popup).not_to_contain_text("张伟")
    phone.wait_for_function("() => !document.querySelector('.leaflet-pan-anim, .leaflet-zoom-anim')")
    phone.wait_for_timeout(400)  # the pan that brings the popup into view
    screenshot(phone, "screening-phone-map")

    # At the door: from the popup to the order, the result.
    popup.locator(f"[data-order='{day['张伟'].order_id}'] a").click()
    phone.get_by_role("link", name="填写核查结果").click()
    phone.get_by_label("在家观察").check()
    phone.get_by_label("情况说明（可选）").fill("体温37.9，已通知社区卫生服务中心")
    screenshot(phone, "screening-phone-result")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("核查结果已提交。")).to_be_visible()
    assert WorkOrder.objects.get(pk=day["张伟"].pk).status == OrderStatus.REPORTED

    # Two hours later 李娜's order is still not accepted: the clock job marks it, it turns red.
    WorkOrder.objects.filter(pk=day["李娜"].pk).update(accept_due=timezone.now() - timedelta(minutes=5))
    staff_create(username="zjd-duty", password="pw-x", role=Role.TOWN_OFFICER, town=routed.town, phone="13700000004")
    assert escalate_overdue()["sms"] == 1
    phone.goto("/screening/")
    late = phone.locator(f"li[data-order='{day['李娜'].order_id}']")
    expect(late).to_have_class(re.compile(r"\boverdue\b"))
    assert late.locator("a").evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(207, 34, 46)"
    screenshot(phone, "screening-phone-overdue")
    phone.get_by_role("link", name="在地图上查看").click()
    expect(phone.locator("#map")).to_have_attribute("data-ready", "1")
    red = phone.locator(".order-marker.kind-overdue")
    expect(red).to_have_count(1)
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(207, 34, 46)"
    screenshot(phone, "screening-phone-map-overdue")
    phone.goto("/screening/dashboard/")  # her own counts
    expect(phone.locator("#funnel [data-step=orders] b")).to_have_text("5")
    expect(phone.locator("#funnel [data-step=records]")).to_have_count(0)
    phone.locator("[data-chart=funnel] canvas").wait_for()
    screenshot(phone, "screening-phone-dashboard")

    # The town's dashboard follows: one accepted, the overdue order in the committee's row.
    desk.reload()
    expect(funnel.locator("[data-step=accepted] b")).to_have_text("1")
    qihe = routed.committee
    assert qihe is not None
    row = desk.locator(f"#times tr[data-unit='{qihe.pk}']")
    expect(row.locator("td").nth(3)).to_have_text("1")
    expect(row).to_have_class(re.compile(r"\boverdue\b"))
    data = json.loads(desk.locator("#screening-dashboard-data").text_content() or "{}")
    assert data["funnel"]["values"] == [5, 1, 0]
    screenshot(desk, "screening-dashboard-after")
    row.locator("td").nth(3).get_by_role("link").click()
    expect(desk.locator(f"tr[data-order='{day['李娜'].order_id}']")).to_be_visible()
    expect(desk.locator("tbody tr[data-order]")).to_have_count(1)
    desk.goto("/screening/map/")  # the town's map: the same building, the overdue order on top
    expect(desk.locator("#map")).to_have_attribute("data-ready", "1")
    expect(desk.locator(".order-marker.kind-overdue")).to_have_text("3")  # 张伟 reported: off the map
    screenshot(desk, "screening-town-map")


def test_the_district_sees_the_whole_funnel_and_identification_per_source(
    open_page: OpenPage, day: dict[str, WorkOrder], district_officer: User
) -> None:
    ScreeningRun.objects.create(
        district=district_officer.district, as_of=day["王小明"].as_of, status=RunStatus.DONE, created_by=district_officer,
        finished_at=timezone.now(), summary={"records": 9876, "people": 8012, "key_people": 342, "orders": 5},
        quality={"identification": {"checkpoint": {"matched": 2410, "committee_only": 130, "review": 41, "outside": 96},
                                    "healthcloud": {"matched": 5120, "committee_only": 210, "review": 88, "outside": 35},
                                    "hotline": {"matched": 61, "committee_only": 9, "review": 14, "no_address": 6},
                                    "rail": {"matched": 0, "outside": 0, "no_address": 1204}}})
    desk = open_page(DESKTOP)
    sign_in(desk, district_officer.username, to="/screening/dashboard/")
    expect(desk.locator("#funnel [data-step=records] b")).to_have_text(re.compile(r"9,?876"))
    expect(desk.locator("#identification")).to_contain_text("97.7%")  # healthcloud: 5,330 of 5,453 to a committee
    desk.locator("[data-chart=identification] canvas").wait_for()
    town = desk.locator("#times tbody tr").first
    expect(town).to_contain_text("周家渡街道")
    screenshot(desk, "screening-dashboard-district")


def test_a_worker_reports_on_a_phone_and_the_town_bulk_routes(
    open_page: OpenPage, worker: User, town_officer: User, committees: dict[str, Committee]
) -> None:
    """(Was tests/screening/test_browser_smoke.py: a second chromium there clashed with this
    package's session one when both ran in one process.)"""
    late = make_order(committees["T04C027"], order_type="symptom_check", name="王小明", accept_due=hours_ago(0.2))
    make_order(committees["T04C027"], name="李娜", address_label="航亭环路1343弄1号102室")
    waiting = make_order(town=Town.objects.get(code="T04"), candidates=[
        {"address_id": "A1", "label": "上南路100号201室", "committee_code": "T04C001",
         "committee_id": committees["T04C001"].pk, "committee_name": "上南一村"}])

    phone = open_page(PHONE)
    sign_in(phone, worker.username)
    red = phone.locator(f"li[data-order='{late.order_id}']")
    expect(red).to_have_class(re.compile(r"\boverdue\b"))
    assert red.locator("a").evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(207, 34, 46)"
    screenshot(phone, "screening-committee-list-phone")
    red.locator("a").click()
    phone.get_by_role("button", name="签收").click()
    expect(phone.get_by_text("已签收，请尽快上门核查。")).to_be_visible()
    screenshot(phone, "screening-order-detail-phone")
    phone.get_by_role("link", name="填写核查结果").click()
    phone.get_by_label("在家观察").check()
    phone.get_by_label("情况说明（可选）").fill("体温36.8，已告知居家观察要求")
    screenshot(phone, "screening-result-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_text("核查结果已提交。")).to_be_visible()
    assert WorkOrder.objects.get(pk=late.pk).status == OrderStatus.REPORTED

    desk = open_page(DESKTOP)
    sign_in(desk, town_officer.username)
    expect(desk.get_by_text("上南路100号201室")).to_be_visible()
    screenshot(desk, "screening-town-list")
    desk.get_by_label(waiting.order_id).check()
    desk.get_by_label("派往居村委").last.select_option(label="上南一村")
    desk.get_by_role("button", name="批量派单").click()
    expect(desk.get_by_text("已派出1张工单至上南一村。")).to_be_visible()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.committee) == (OrderStatus.PENDING_ACCEPT, committees["T04C001"])

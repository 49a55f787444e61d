"""The supply pages: the flow through the browser's forms, scoping (404 outside the scope),
Chinese validation messages, the export and the list's query count."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fangkong.core.models import AuditEvent
from fangkong.supplies.models import Status, StockMove, SupplyRequest
from fangkong.supplies.services import request_commit, request_create

pytestmark = pytest.mark.django_db


def test_committee_worker_submits_a_request(client, worker, masks_item):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post("/supplies/new/", {f"q_{masks_item.pk}": "200", "urgency": "urgent", "reason": "采样点用"})
    r = SupplyRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supplies/{r.pk}/"
    assert r.committee_id == worker.committee_id and r.urgency == "urgent"


def test_empty_request_shows_chinese_messages(client, worker, masks_item):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post("/supplies/new/", {f"q_{masks_item.pk}": "", "urgency": "normal", "reason": "缺"})
    assert response.status_code == 422
    assert "请至少填写一种物资的申请数量。" in response.content.decode()
    response = client.post("/supplies/new/", {f"q_{masks_item.pk}": "5", "urgency": "normal", "reason": ""})
    assert "请填写申请理由。" in response.content.decode()
    response = client.post("/supplies/new/", {f"q_{masks_item.pk}": "五", "urgency": "normal", "reason": "缺"})
    assert "数量请填写整数。" in response.content.decode()


def test_district_has_no_new_request_page(client, district_officer):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    assert client.get("/supplies/new/").status_code == 404


def test_the_whole_flow_through_the_pages(client, committee_request, town_stocked, worker, masks_item, suits):  # type: ignore[no-untyped-def]
    url = f"/supplies/{committee_request.pk}/"
    client.force_login(town_stocked)
    assert "本级库存" in client.get(url).content.decode()
    client.post(url + "commit/", {f"n_{masks_item.pk}": "400", f"n_{suits.pk}": "10"})
    client.post(url + "send/", {})
    response = client.post(url + "send/", {}, follow=True)  # the double click
    assert "该申请已被处理" in response.content.decode()
    assert StockMove.objects.filter(kind="send").count() == 2  # one per line, once
    client.force_login(worker)
    client.post(url + "receive/", {f"n_{masks_item.pk}": "400", f"n_{suits.pk}": "10"})
    assert SupplyRequest.objects.get(pk=committee_request.pk).status == Status.RECEIVED


def test_receive_shortfall_without_note_is_refused_in_chinese(client, committee_request, town_stocked, worker, masks_item, suits):  # type: ignore[no-untyped-def]
    request_commit(actor=town_stocked, request=committee_request, approved={suits.pk: 10})
    client.force_login(town_stocked)
    client.post(f"/supplies/{committee_request.pk}/send/", {})
    client.force_login(worker)
    response = client.post(f"/supplies/{committee_request.pk}/receive/", {f"n_{masks_item.pk}": "1"}, follow=True)
    assert "实收少于发出，请填写短缺说明。" in response.content.decode()
    assert SupplyRequest.objects.get(pk=committee_request.pk).status == Status.SENT


@pytest.mark.parametrize("suffix", ["", "commit/", "reject/", "send/", "receive/"])
def test_other_committees_and_towns_get_404(client, committee_request, outsider, other_town_officer, suffix):  # type: ignore[no-untyped-def]
    for user in (outsider, other_town_officer):
        client.force_login(user)
        url = f"/supplies/{committee_request.pk}/{suffix}"
        response = client.post(url, {}) if suffix else client.get(url)
        assert response.status_code == 404


def test_each_level_sees_its_own_requests(client, committee_request, worker, outsider, town_officer, other_town_officer, district_officer):  # type: ignore[no-untyped-def]
    seen = {}
    for user in (worker, outsider, town_officer, other_town_officer, district_officer):
        client.force_login(user)
        seen[user.username] = committee_request.number in client.get("/supplies/").content.decode()
    assert seen == {"qihe2": True, "shangnan1": False, "zhoujiadu": True, "shanggang": False, "district": True}


def test_town_todo_filter_and_district_town_filter(client, committee_request, town_officer, district_officer):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert committee_request.number in client.get("/supplies/?box=todo").content.decode()
    assert committee_request.number not in client.get("/supplies/?box=mine").content.decode()
    client.force_login(district_officer)
    assert committee_request.number in client.get(f"/supplies/?town={committee_request.town_id}").content.decode()
    assert committee_request.number not in client.get(f"/supplies/?town={committee_request.town_id + 1}").content.decode()
    assert committee_request.number not in client.get("/supplies/?status=sent").content.decode()


def test_export_is_xlsx_audited_and_watermarked(client, committee_request, town_officer):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    response = client.get("/supplies/export.xlsx?urgency=urgent")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("申请编号", "街镇", "申请单位")
    assert {r[6] for r in rows[1:3]} == {"口罩", "防护服"}
    assert rows[1][0] == committee_request.number
    assert any("导出人" in str(c) for r in rows[3:] for c in r if c)
    event = AuditEvent.objects.get(action="export", object_type="supply_request")
    assert event.detail["rows"] == 2 and event.detail["filters"]["urgency"] == "urgent"


def test_stock_page_books_a_delivery_and_refuses_overissue(client, worker, masks_item):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    client.post("/supplies/stock/", {"item": masks_item.pk, "quantity": "50", "kind": "in", "note": "捐赠"})
    response = client.post("/supplies/stock/", {"item": masks_item.pk, "quantity": "60", "kind": "issue", "note": "卡口"})
    assert response.status_code == 422 and "口罩库存不足" in response.content.decode()
    response = client.post("/supplies/stock/", {"item": masks_item.pk, "quantity": "0", "kind": "in"})
    assert "数量须为正整数。" in response.content.decode()
    assert "50 只" in client.get("/supplies/stock/").content.decode()


def test_request_list_queries_do_not_grow_with_requests(client, worker, town_officer, masks_item, suits,  # type: ignore[no-untyped-def]
                                                        django_assert_max_num_queries):
    for i in range(12):
        request_create(actor=worker, quantities={masks_item: 10 + i, suits: 1}, urgency="normal", reason=f"第{i}批")
    client.force_login(town_officer)
    with django_assert_max_num_queries(5):
        assert client.get("/supplies/").status_code == 200


def test_forwarded_request_is_the_towns_and_districts_not_the_committees(client, committee_request, town_stocked,  # type: ignore[no-untyped-def]
                                                                        worker, district_officer, other_town_officer):
    forwarded = request_commit(actor=town_stocked, request=committee_request, approved={}, forward=True)
    assert forwarded is not None
    url = f"/supplies/{forwarded.pk}/"
    client.force_login(district_officer)
    page = client.get(url).content.decode()
    assert "转报自" in page and committee_request.number in page and "批准" in page
    for user in (worker, other_town_officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(district_officer)
    assert forwarded.number in client.get("/supplies/?box=todo").content.decode()


def test_requester_without_phone_gets_no_sms(town_officer, outsider, masks_item):  # type: ignore[no-untyped-def]
    from fangkong.core.models import OutboundMessage

    r = request_create(actor=outsider, quantities={masks_item: 5}, urgency="normal", reason="缺")
    request_commit(actor=town_officer, request=r, approved={})
    assert not OutboundMessage.objects.exists()

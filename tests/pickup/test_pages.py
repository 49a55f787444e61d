"""Public stock page and JSON, the desk's points page, the voucher page and PDFs, the look-up."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.pickup.codes import token_for
from fangkong.pickup.models import PickupPoint, PickupStock, Voucher

pytestmark = pytest.mark.django_db


def test_public_stock_json(client, approved, pharmacy, open_round) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/stock")
    assert response.status_code == 200
    (row,) = response.json()
    assert row["point"] == pharmacy.name and row["town"] == "周家渡街道" and row["address"] == pharmacy.address
    assert (row["quantity"], row["redeemed"], row["remaining"]) == (100, 0, 100)
    assert row["round"] == open_round.name and row["goods"] == "口罩" and row["updated_at"]
    assert client.get("/api/v1/stock?town=T01").json() == []


def test_stock_feed_is_in_the_openapi_document(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/stock" in spec["paths"]
    assert spec["paths"]["/api/v1/stock"]["get"]["summary"] == "各领取点剩余库存（公开数据）"


def test_public_stock_page_needs_no_login_and_shows_no_one(client, approved, pharmacy) -> None:  # type: ignore[no-untyped-def]
    html = client.get(reverse("pickup:stock")).content.decode()
    assert pharmacy.name in html and pharmacy.address in html and "<strong>100</strong> / 100 只" in html
    assert "王" not in html.split("<main")[1].split("</main>")[0]


def test_town_officer_sets_stock_on_the_desk(client, town_officer, open_round, pharmacy) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    page = client.get(reverse("pickup:desk_points"), {"round": open_round.pk}).content.decode()
    assert pharmacy.name in page and "新增领取点" in page
    response = client.post(reverse("pickup:desk_points"), {"action": "stock", "round": open_round.pk, "point": pharmacy.pk,
                                                            "quantity": "300"}, follow=True)
    assert "“益丰大药房（齐河路店）”库存已更新为 300。" in response.content.decode()
    assert PickupStock.objects.get(point=pharmacy, round=open_round).quantity == 300
    assert AuditEvent.objects.filter(action="pickup.stock").count() == 1


def test_stock_must_be_a_number(client, town_officer, open_round, pharmacy) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    response = client.post(reverse("pickup:desk_points"), {"action": "stock", "round": open_round.pk, "point": pharmacy.pk,
                                                            "quantity": "很多"}, follow=True)
    assert "库存数量请填写整数。" in response.content.decode()


def test_town_officer_adds_a_point(client, town_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Town

    client.force_login(town_officer)
    town = Town.objects.get(code="T04")
    response = client.post(reverse("pickup:desk_points"), {
        "action": "point", "round": open_round.pk, "town": town.pk, "name": "华氏大药房", "kind": "pharmacy",
        "address": "上南路 3000 号", "opening_hours": "9:00-21:00"}, follow=True)
    assert "已新增领取点“华氏大药房”。" in response.content.decode()
    assert PickupPoint.objects.get(name="华氏大药房").town == town
    again = client.post(reverse("pickup:desk_points"), {"action": "point", "town": town.pk, "name": "", "kind": "pharmacy",
                                                         "address": ""})
    assert "请填写领取点名称。" in again.content.decode() and "请填写领取点地址。" in again.content.decode()


def test_other_towns_points_are_not_listed_and_workers_get_404(client, other_town_officer, worker, pharmacy) -> None:  # type: ignore[no-untyped-def]
    client.force_login(other_town_officer)
    assert pharmacy.name not in client.get(reverse("pickup:desk_points")).content.decode()
    client.force_login(worker)
    assert client.get(reverse("pickup:desk_points")).status_code == 404


def test_desk_voucher_pdf_is_scoped(client, worker, outsider, other_town_officer, clerk, approved) -> None:  # type: ignore[no-untyped-def]
    url = reverse("pickup:booking_voucher_pdf", args=[approved.pk])
    for stranger in (outsider, other_town_officer, clerk):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    client.force_login(worker)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"STSong-Light" in response.content
    assert AuditEvent.objects.filter(action="voucher.print", object_id=approved.booking_no).count() == 1


def test_the_qr_page_shows_the_voucher_to_the_resident(client, approved) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    token = token_for(voucher.code)
    html = client.get(reverse("pickup:voucher", args=[token])).content.decode()
    assert voucher.code_display in html and "王**" in html and "王小明" not in html
    assert 'src="data:image/png;base64,' in html
    assert client.get(reverse("pickup:voucher_pdf", args=[token])).content.startswith(b"%PDF")


def test_a_tampered_qr_page_is_a_clear_404(client, approved) -> None:  # type: ignore[no-untyped-def]
    token = token_for(Voucher.objects.get(booking=approved).code)
    response = client.get(reverse("pickup:voucher", args=[token[:-3] + "abc"]))
    assert response.status_code == 404 and "二维码已损坏、被修改，或不是本系统签发的凭证" in response.content.decode()
    assert client.get(reverse("pickup:voucher_pdf", args=[token[:-3] + "abc"])).status_code == 404


def test_the_lookup_shows_the_voucher(client, approved) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    from fangkong.core.messaging import render_message

    cache.clear()
    data = {"id_number": approved.id_number, "phone": approved.phone}
    client.post(reverse("booking:lookup"), {**data, "action": "send"})
    message = OutboundMessage.objects.filter(template="lookup_code").latest("id")
    code = re.search(r"验证码为(\d{6})", render_message(message.template, message.variables)).group(1)  # type: ignore[union-attr]
    html = client.post(reverse("booking:lookup"), {**data, "action": "verify", "code": code}).content.decode()
    voucher = Voucher.objects.get(booking=approved)
    assert voucher.code_display in html and voucher.point.name in html and 'src="data:image/png;base64,' in html
    assert "长按二维码可保存到手机相册" in html
    assert reverse("pickup:voucher_pdf", args=[token_for(voucher.code)]) in html


def test_json_has_no_personal_data(client, approved) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(client.get("/api/v1/stock").json(), ensure_ascii=False)
    assert approved.phone not in body and approved.name not in body

"""The resident page works without JavaScript: search, pick, submit, confirm; errors explained."""

from __future__ import annotations

import pytest

from fangkong.booking.models import Booking
from tests.booking.helpers import resident_id

pytestmark = pytest.mark.django_db


def form(room, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "王小明",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "phone": "13812345678",
        "address_id": room.address_id if room else "",
        "household_size": "2",
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_round_list_links_to_the_open_round(client, open_round) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").content.decode()
    assert f'href="/r/{open_round.pk}/"' in html and "我要预约" in html


def test_submit_redirects_to_confirmation_with_number_and_queue(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/r/{open_round.pk}/", form(rooms["qihe_101"]), follow=True)
    html = response.content.decode()
    booking = Booking.objects.get()
    assert "预约成功" in html and booking.booking_no in html and "第 1 位" in html
    assert booking.id_number not in html  # masked on the confirmation too
    assert "138****5678" in html


def test_double_submit_shows_the_same_booking(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = form(rooms["qihe_101"])
    first = client.post(f"/r/{open_round.pk}/", data)
    second = client.post(f"/r/{open_round.pk}/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Booking.objects.count() == 1


def test_same_id_with_another_phone_is_told_it_is_booked(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = form(rooms["qihe_101"])
    client.post(f"/r/{open_round.pk}/", data)
    response = client.post(f"/r/{open_round.pk}/", {**data, "phone": "13900001111"})
    assert response.status_code == 422
    assert "该证件本轮已预约" in response.content.decode()


def test_every_invalid_field_is_explained_in_chinese(client, open_round) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/r/{open_round.pk}/",
        {"name": "", "id_number": "31011519850312001", "phone": "12", "household_size": "x"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    for message in ["请填写姓名。", "身份证号码应为18位，您填写了17位。", "请填写11位中国大陆手机号码", "家庭人数应为数字。",
                    "请阅读并勾选同意隐私声明后再提交。", "请搜索并选择居住地址"]:
        assert message in html, message


def test_values_survive_a_failed_submit(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = form(rooms["qihe_101"], consent="")
    html = client.post(f"/r/{open_round.pk}/", data).content.decode()
    assert 'value="王小明"' in html and f'value="{data["id_number"]}"' in html


def test_proxy_rows_on_the_page(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = form(rooms["qihe_101"], **{"m1-name": "王大明", "m1-id_number": resident_id(), "m2-name": "", "m2-id_number": ""})
    client.post(f"/r/{open_round.pk}/", data)
    lead = Booking.objects.get(proxy_of__isnull=True)
    assert [m.name for m in lead.members.all()] == ["王大明"]


def test_free_text_address_with_a_town(client, open_round, pudong) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/r/{open_round.pk}/", form(None, address_text="某某路12弄3号201室", town_code="T04"), follow=True
    )
    assert "周家渡街道（地址待核实）" in response.content.decode()


def test_qr_code_and_poster(client, open_round) -> None:  # type: ignore[no-untyped-def]
    svg = client.get(f"/r/{open_round.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    poster = client.get(f"/r/{open_round.pk}/poster/").content.decode()
    assert f"/r/{open_round.pk}/" in poster and "扫码预约" in poster


def test_tampered_confirmation_link_is_404(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    url = client.post(f"/r/{open_round.pk}/", form(rooms["qihe_101"]))["Location"]
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_address_search_button_offers_candidates_without_javascript(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    html = client.post(f"/r/{open_round.pk}/", {"action": "search", "address_query": "齐河柏公寓1号楼10", "name": "王小明"}).content.decode()
    assert 'value="A90000001"' in html and 'value="A90000002"' in html
    assert 'value="王小明"' in html  # what was typed is kept


def test_htmx_suggest_returns_the_candidates_partial(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/addresses/suggest/", {"address_query": "航亭环路1343号"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and "齐河第二社区" in html and 'name="address_id"' in html

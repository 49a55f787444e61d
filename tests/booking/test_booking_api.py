"""The booking API contract: paths, fields, status codes and Chinese errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.booking.models import Booking, RoundStatus, RoundUnit
from fangkong.core.models import OutboundMessage
from tests.booking.helpers import payload, resident_id

pytestmark = pytest.mark.django_db


def post(client, round_, data):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/rounds/{round_.pk}/bookings", data=json.dumps(data), content_type="application/json")


def test_rounds_lists_open_rounds_first(client, open_round) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/rounds").json()
    assert body[0] == {
        "id": open_round.pk,
        "goods": "口罩",
        "name": "口罩 · 第二轮",
        "opens_at": body[0]["opens_at"],
        "closes_at": body[0]["closes_at"],
        "status": "open",
        "per_person_limit": 5,
    }


def test_booking_is_created_on_the_committee_desk_with_its_sms(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(rooms["qihe_101"]))
    assert response.status_code == 201
    body = response.json()
    assert body["committee_code"] == "T04C027"
    assert body["status"] == "pending"
    assert body["queue_position"] == 1
    booking = Booking.objects.get(booking_no=body["booking_no"])
    assert booking.committee.name == "齐河第二社区"
    message = OutboundMessage.objects.get(idempotency_key=f"booking_created:{body['booking_no']}")
    assert message.recipient == "13812345678"
    assert message.variables["queue_position"] == 1


def test_queue_positions_follow_registration_order_per_committee(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    first = post(client, open_round, payload(rooms["qihe_101"])).json()
    second = post(client, open_round, payload(rooms["qihe_102"])).json()
    elsewhere = post(client, open_round, payload(rooms["shangnan"])).json()
    assert (first["queue_position"], second["queue_position"], elsewhere["queue_position"]) == (1, 2, 1)


def test_same_id_again_is_409_with_the_existing_booking_no(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = payload(rooms["qihe_101"])
    first = post(client, open_round, data).json()
    again = post(client, open_round, data)
    assert again.status_code == 409
    assert again.json()["booking_no"] == first["booking_no"]
    assert Booking.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


def test_invalid_fields_are_422_with_chinese_messages_per_field(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = post(
        client,
        open_round,
        payload(rooms["qihe_101"], name="", id_number="123", phone="123", household_size=0, consent=False),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"] == ["请填写姓名。"]
    assert errors["id_number"] == ["身份证号码应为18位，您填写了3位。"]
    assert "11位" in errors["phone"][0]
    assert errors["household_size"] == ["家庭人数至少为1人。"]
    assert errors["consent"] == ["请阅读并勾选同意隐私声明后再提交。"]
    assert not Booking.objects.exists()


def test_wrong_json_types_are_422_not_500(client, open_round) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, {"name": ["a"], "members": "x"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"name", "members"}


def test_unknown_address_id_is_explained(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(None, address_id="NOPE"))
    assert response.json()["errors"]["address_id"] == ["所选地址不存在，请重新搜索选择。"]


def test_free_text_address_goes_to_the_towns_unresolved_queue(client, open_round, pudong) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(None, address_text="周家渡街道 某某路123弄4号501室"))
    assert response.status_code == 201
    body = response.json()
    assert body["committee_code"] is None
    assert body["town_code"] == "T04"
    booking = Booking.objects.get(booking_no=body["booking_no"])
    assert booking.unit.committee_id is None and booking.unit.town.code == "T04"


def test_free_text_without_a_town_asks_for_one(client, open_round, pudong) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(None, address_text="某某路123弄4号501室"))
    assert response.json()["errors"]["town_code"] == ["无法从地址判断所在街镇，请选择所在街镇。"]


def test_round_not_open_is_422_with_a_message(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.status = RoundStatus.CLOSED
    open_round.save()
    response = post(client, open_round, payload(rooms["qihe_101"]))
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == ["口罩 · 第二轮已停止预约。"]


def test_draft_round_is_not_found(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.status = RoundStatus.DRAFT
    open_round.save()
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 404


def test_round_past_its_window_is_422(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.closes_at = timezone.now() - timedelta(minutes=1)
    open_round.opens_at = timezone.now() - timedelta(days=1)
    open_round.save()
    response = post(client, open_round, payload(rooms["qihe_101"]))
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == ["口罩 · 第二轮已停止预约。"]


def test_proxy_booking_for_household_members(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    members = [{"name": name, "id_number": resident_id()} for name in ("王大明", "王二明")]
    body = post(client, open_round, payload(rooms["qihe_101"], members=members)).json()
    assert len(body["members"]) == 2
    lead = Booking.objects.get(booking_no=body["booking_no"])
    assert lead.members.count() == 2
    assert OutboundMessage.objects.count() == 1  # one SMS naming everyone


def test_more_than_five_members_is_refused(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    members = [{"name": "王" + "甲乙丙丁戊己"[i], "id_number": resident_id()} for i in range(6)]
    response = post(client, open_round, payload(rooms["qihe_101"], members=members))
    assert response.status_code == 422
    assert "最多为5位" in response.json()["errors"]["members"][-1]


def test_member_with_bad_id_is_reported_by_row(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(rooms["qihe_101"], members=[{"name": "家人", "id_number": "1"}]))
    assert response.json()["errors"]["members"] == ["第1位家庭成员：身份证号码应为18位，您填写了1位。"]


def test_household_limit(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 2
    open_round.save()
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 201
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 201
    third = post(client, open_round, payload(rooms["qihe_101"]))
    assert third.status_code == 422
    assert "同一户本轮最多预约2人" in third.json()["errors"]["address_id"][0]


def test_committee_quota_is_enforced(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    RoundUnit.objects.filter(round=open_round, committee__code="T04C027").update(quota=1)
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 201
    full = post(client, open_round, payload(rooms["qihe_102"]))
    assert full.status_code == 422
    assert "额度已约满" in full.json()["errors"]["__all__"][0]
    assert post(client, open_round, payload(rooms["shangnan"])).status_code == 201


def test_total_quota_is_enforced(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.total_quota = 1
    open_round.save()
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 201
    assert "全部约满" in post(client, open_round, payload(rooms["shangnan"])).json()["errors"]["__all__"][0]


def test_openapi_document_describes_the_contract(client, db) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/rounds" in spec["paths"]
    assert "/api/v1/rounds/{round_id}/bookings" in spec["paths"]
    assert "/api/v1/addresses/search" in spec["paths"]
    assert "/api/v1/lookup" in spec["paths"]
    responses = spec["paths"]["/api/v1/rounds/{round_id}/bookings"]["post"]["responses"]
    assert {"201", "409", "422", "429"} <= set(responses)


def test_api_docs_page_uses_no_cdn(client, db) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html and "/static/" in html


def test_email_confirmation_is_queued_when_an_address_is_given(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    body = post(client, open_round, payload(rooms["qihe_101"], email="wang@example.com")).json()
    email = OutboundMessage.objects.get(channel="email")
    assert email.recipient == "wang@example.com" and email.idempotency_key == f"booking_created_email:{body['booking_no']}"


def test_bad_email_is_explained(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    response = post(client, open_round, payload(rooms["qihe_101"], email="wang@"))
    assert response.json()["errors"]["email"] == ["电子邮箱格式不正确，例如 name@example.com。"]


def test_household_members_take_consecutive_queue_numbers(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    members = [{"name": name, "id_number": resident_id()} for name in ("王大明", "王二明")]
    body = post(client, open_round, payload(rooms["qihe_101"], members=members)).json()
    assert [body["queue_position"], *[m["queue_position"] for m in body["members"]]] == [1, 2, 3]
    assert post(client, open_round, payload(rooms["qihe_102"])).json()["queue_position"] == 4


def test_a_household_that_does_not_fit_the_quota_is_refused_whole(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    RoundUnit.objects.filter(round=open_round, committee__code="T04C027").update(quota=2)
    members = [{"name": name, "id_number": resident_id()} for name in ("王大明", "王二明")]
    response = post(client, open_round, payload(rooms["qihe_101"], members=members))
    assert response.status_code == 422 and not Booking.objects.exists()
    assert RoundUnit.objects.get(round=open_round, committee__code="T04C027").booked == 0

"""A resident looks up their booking with ID + phone + a one-time SMS code."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache

from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from tests.booking.helpers import payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def booked(client, open_round, rooms):  # type: ignore[no-untyped-def]
    data = payload(rooms["qihe_101"])
    body = client.post(f"/api/v1/rounds/{open_round.pk}/bookings", json.dumps(data), content_type="application/json").json()
    return data, body


def api(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(data), content_type="application/json")


def last_code() -> str:
    message = OutboundMessage.objects.filter(template="lookup_code").latest("id")
    return re.search(r"验证码为(\d{6})", render_message(message.template, message.variables)).group(1)  # type: ignore[union-attr]


def test_code_then_lookup_shows_status_and_queue_position(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, body = booked
    who = {"id_number": data["id_number"], "phone": data["phone"]}
    assert api(client, "/api/v1/lookup/code", who).status_code == 202
    response = api(client, "/api/v1/lookup", {**who, "code": last_code()})
    assert response.status_code == 200
    [found] = response.json()["bookings"]
    assert (found["booking_no"], found["status_label"], found["queue_position"]) == (body["booking_no"], "待审核", 1)


def test_wrong_code_is_refused_and_counted(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, _ = booked
    who = {"id_number": data["id_number"], "phone": data["phone"]}
    api(client, "/api/v1/lookup/code", who)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    response = api(client, "/api/v1/lookup", {**who, "code": wrong})
    assert response.status_code == 422
    assert response.json()["errors"]["code"] == ["验证码不正确，请核对短信中的6位数字。"]


def test_code_works_once(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, _ = booked
    who = {"id_number": data["id_number"], "phone": data["phone"]}
    api(client, "/api/v1/lookup/code", who)
    code = last_code()
    assert api(client, "/api/v1/lookup", {**who, "code": code}).status_code == 200
    assert api(client, "/api/v1/lookup", {**who, "code": code}).status_code == 422


def test_unknown_person_gets_the_same_answer_and_no_sms(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, _ = booked
    response = api(client, "/api/v1/lookup/code", {"id_number": data["id_number"], "phone": "13900000000"})
    assert response.status_code == 202
    assert not OutboundMessage.objects.filter(template="lookup_code").exists()


def test_codes_are_rate_limited_per_phone(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, _ = booked
    who = {"id_number": data["id_number"], "phone": data["phone"]}
    assert api(client, "/api/v1/lookup/code", who).status_code == 202
    again = api(client, "/api/v1/lookup/code", who)
    assert again.status_code == 429
    assert "1分钟" in again.json()["errors"]["phone"][0]


def test_codes_are_rate_limited_per_ip(client, booked) -> None:  # type: ignore[no-untyped-def]
    statuses = [
        api(client, "/api/v1/lookup/code", {"id_number": booked[0]["id_number"], "phone": f"139000000{i:02d}"}).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [202] * 20 and statuses[20] == 429


def test_lookup_page_without_javascript(client, booked) -> None:  # type: ignore[no-untyped-def]
    data, body = booked
    form = {"id_number": data["id_number"], "phone": data["phone"]}
    step1 = client.post("/lookup/", {**form, "action": "send"})
    assert "短信验证码" in step1.content.decode()
    step2 = client.post("/lookup/", {**form, "action": "verify", "code": last_code()})
    assert body["booking_no"] in step2.content.decode()

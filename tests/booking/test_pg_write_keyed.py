"""The API's booking with the address looked up by the write itself (``pg_write.booking_write_keyed``):
one statement per booking, the same rows as the address path, and every refusal explained by the
full path. PostgreSQL only, committed data as in the app server."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fangkong.booking.forms import BookingData, Person
from fangkong.booking.models import Booking, RoundUnit
from fangkong.booking.services import booking_create
from fangkong.core.models import OutboundMessage
from fangkong.orgs.models import Town
from tests.booking.helpers import payload, resident_id, sent_statements
from tests.conftest import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.django_db(transaction=True)]


def post(client, round_, data):  # type: ignore[no-untyped-def]
    with override_settings(RATELIMIT_ENABLE=False):
        return client.post(f"/api/v1/rounds/{round_.pk}/bookings", data=json.dumps(data), content_type="application/json")


def test_an_api_booking_is_one_statement_and_the_same_rows_as_the_address_path(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    room = rooms["qihe_101"]
    post(client, open_round, payload(rooms["qihe_102"]))  # round cached, statements prepared
    with sent_statements() as sent:
        response = post(client, open_round, payload(room, email="w@example.com"))
    assert response.status_code == 201
    assert len(sent) == 1 and "fk_booking_write_1k" in sent[0]
    body = response.json()
    assert body == {"booking_no": f"B{open_round.pk}-T04C027-00002", "status": "pending", "queue_position": 2,
                    "committee_code": "T04C027", "town_code": "T04", "members": []}
    keyed = Booking.objects.get(booking_no=body["booking_no"])
    reference = booking_create(round_=open_round, data=BookingData(
        applicant=Person("王小明", "resident_id", resident_id()), phone="13812345678", address=room,
        address_text=room.label, town=room.town, household_size=3, email="w@example.com")).booking
    reference = Booking.objects.get(pk=reference.pk)
    skip = {"id", "booking_no", "seq", "id_number", "created_at", "consent_at", "updated_at", "source"}
    fields = [f.attname for f in Booking._meta.concrete_fields if f.attname not in skip]
    assert {f: getattr(keyed, f) for f in fields} == {f: getattr(reference, f) for f in fields}
    assert keyed.source == "api" and keyed.address_text == room.label and keyed.compound == room.compound
    sms = OutboundMessage.objects.get(idempotency_key=f"booking_created:{keyed.booking_no}")
    assert sms.variables == {"name": "王小明", "round": open_round.name, "booking_no": keyed.booking_no,
                             "queue_position": 2, "committee": "齐河第二社区"}
    assert OutboundMessage.objects.filter(idempotency_key=f"booking_created_email:{keyed.booking_no}").exists()
    assert OutboundMessage.objects.count() == DBTaskResult.objects.count() == 5  # SMS x 3, e-mail x 2
    assert RoundUnit.objects.get(round=open_round, committee=room.committee).booked == 3


def test_unknown_room_is_422_from_the_full_path(client, open_round) -> None:  # type: ignore[no-untyped-def]
    data = payload(None, address_id="NO-SUCH-ROOM")
    response = post(client, open_round, data)
    assert response.status_code == 422
    assert response.json() == {"errors": {"address_id": ["所选地址不存在，请重新搜索选择。"]}}
    assert not Booking.objects.exists() and not OutboundMessage.objects.exists()


def test_a_room_outside_a_town_round_is_refused(client, district_officer, pudong, masks, rooms) -> None:  # type: ignore[no-untyped-def]
    from fangkong.booking.models import RoundStatus
    from fangkong.booking.services import round_create

    now = timezone.now()
    t04 = Town.objects.get(code="T04")
    town_round = round_create(actor=district_officer, district=pudong, goods=masks, number=3, town=t04,
                              opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), status=RoundStatus.OPEN)
    response = post(client, town_round, payload(rooms["shanggang"]))
    assert response.status_code == 422 and "仅限周家渡街道居民预约" in response.json()["errors"]["address_id"][0]
    assert post(client, town_round, payload(rooms["qihe_101"])).status_code == 201
    assert Booking.objects.count() == 1


def test_duplicate_is_409_and_leaves_no_gap(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = payload(rooms["qihe_101"])
    first = post(client, open_round, data).json()
    again = post(client, open_round, data)
    assert again.status_code == 409 and again.json()["booking_no"] == first["booking_no"]
    assert post(client, open_round, payload(rooms["qihe_102"])).json()["queue_position"] == 2
    assert Booking.objects.count() == OutboundMessage.objects.count() == 2


def test_household_limit_and_closed_round_are_explained(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    open_round.per_household_limit = 1
    open_round.save()
    assert post(client, open_round, payload(rooms["qihe_101"])).status_code == 201
    full = post(client, open_round, payload(rooms["qihe_101"]))
    assert full.status_code == 422 and "同一户本轮最多预约1人" in full.json()["errors"]["address_id"][0]
    open_round.closes_at = timezone.now() - timedelta(minutes=1)
    open_round.save()
    from fangkong.booking import queries

    queries._round_cache.clear()
    closed = post(client, open_round, payload(rooms["qihe_102"]))
    assert closed.status_code == 422 and "已停止预约" in closed.json()["errors"]["__all__"][0]
    assert Booking.objects.count() == 1 and RoundUnit.objects.get(round=open_round, committee=rooms["qihe_101"].committee).booked == 1

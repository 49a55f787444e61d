"""Desk entry with household members booked by proxy: the resident page's rows, rules and limits."""

from __future__ import annotations

import pytest

from fangkong.booking.models import Booking, BookingSource
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.booking.helpers import book, resident_id

pytestmark = pytest.mark.django_db


def form(room, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "张阿婆",
        "id_type": "resident_id",
        "id_number": resident_id(1940),
        "phone": "13912345678",
        "address_id": room.address_id if room else "",
        "household_size": "3",
        "consent": "on",
    }
    data.update(overrides)
    return data


def url(round_) -> str:  # type: ignore[no-untyped-def]
    return f"/desk/bookings/new/?round={round_.pk}"


def test_the_entry_form_has_five_member_rows(client, worker, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.get(url(open_round)).content.decode()
    assert "为家人代约（最多5人）" in html
    assert all(f'name="m{i}-id_number"' in html for i in range(1, 6)) and 'name="m6-id_number"' not in html


def test_worker_enters_a_walk_in_with_two_household_members(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["qihe_101"], **{
        "m1-name": "张阿公", "m1-id_type": "resident_id", "m1-id_number": resident_id(1938),
        "m2-name": "张小妹", "m2-id_type": "resident_id", "m2-id_number": resident_id(1990),
        "m3-name": "", "m3-id_number": ""}))
    lead = Booking.objects.get(proxy_of__isnull=True)
    assert response.status_code == 302 and response["Location"] == f"/desk/bookings/{lead.pk}/"
    members = list(lead.members.order_by("seq"))
    assert [m.name for m in members] == ["张阿公", "张小妹"]
    assert {b.source for b in Booking.objects.all()} == {BookingSource.DESK}
    assert {b.committee.code for b in Booking.objects.all()} == {"T04C027"}
    audited = set(AuditEvent.objects.filter(action="booking.desk_create", actor=worker).values_list("object_id", flat=True))
    assert audited == {lead.booking_no, *(m.booking_no for m in members)}
    assert OutboundMessage.objects.filter(template="booking_created", recipient="13912345678").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert f"同时为2位家庭成员代约：{members[0].booking_no}、{members[1].booking_no}。" in page


def test_a_members_id_is_checked_like_the_applicants(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["qihe_101"], **{
        "m1-name": "张阿公", "m1-id_type": "resident_id", "m1-id_number": "310115198503120010"}))
    html = response.content.decode()
    assert response.status_code == 422 and "第1位家庭成员：" in html and "校验位不正确" in html
    assert 'value="张阿公"' in html and "<details class=\"members\" open>" in html
    assert not Booking.objects.exists()


def test_a_member_with_the_applicants_id_is_refused(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    data = form(rooms["qihe_101"])
    response = client.post(url(open_round), {**data, "m1-name": "张阿公", "m1-id_type": "resident_id",
                                             "m1-id_number": data["id_number"]})
    assert response.status_code == 422 and "第1位家庭成员：证件号码与其他人重复。" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_member_already_booked_this_round_is_refused_and_nothing_written(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    earlier = book(open_round, rooms["qihe_102"], name="张阿公")
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["qihe_101"], **{
        "m1-name": "张阿公", "m1-id_type": "resident_id", "m1-id_number": earlier.id_number}))
    assert response.status_code == 422 and "第1位家庭成员本轮已预约，请勿重复代约。" in response.content.decode()
    assert list(Booking.objects.all()) == [earlier]
    assert not AuditEvent.objects.filter(action="booking.desk_create").exists()


def test_members_count_against_the_household_limit(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    type(open_round).objects.filter(pk=open_round.pk).update(per_household_limit=2)
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["qihe_101"], **{
        "m1-name": "张阿公", "m1-id_type": "resident_id", "m1-id_number": resident_id(1938),
        "m2-name": "张小妹", "m2-id_type": "resident_id", "m2-id_number": resident_id(1990)}))
    assert response.status_code == 422 and "同一户本轮最多预约2人" in response.content.decode()
    assert not Booking.objects.exists()


def test_member_rows_survive_an_address_search(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.post(url(open_round), {**form(None), "action": "search", "address_query": "齐河柏公寓1号楼101",
                                         "m1-name": "张阿公", "m1-id_number": "310115193801010011"}).content.decode()
    assert 'value="张阿公"' in html and 'value="310115193801010011"' in html
    assert f'value="{rooms["qihe_101"].address_id}"' in html

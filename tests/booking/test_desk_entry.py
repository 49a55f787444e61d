"""Desk entry: a worker books for a walk-in or phone caller; same rules as the resident page,
marked as desk-entered, and only for addresses in the worker's own committee (or town)."""

from __future__ import annotations

import pytest

from fangkong.booking.models import Booking, BookingSource
from fangkong.core.models import AuditEvent, OutboundMessage
from tests.booking.helpers import resident_id

pytestmark = pytest.mark.django_db


def form(room, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "张阿婆",
        "id_type": "resident_id",
        "id_number": resident_id(1940),
        "phone": "13912345678",
        "address_id": room.address_id if room else "",
        "household_size": "2",
        "consent": "on",
    }
    data.update(overrides)
    return data


def url(round_) -> str:  # type: ignore[no-untyped-def]
    return f"/desk/bookings/new/?round={round_.pk}"


def test_worker_sees_the_entry_form_and_the_list_links_to_it(client, worker, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.get(url(open_round)).content.decode()
    assert "代录预约" in html and 'hx-get="/addresses/suggest/"' in html and "提交代录" in html
    assert f'href="/desk/bookings/new/?round={open_round.pk}"' in client.get(f"/desk/rounds/{open_round.pk}/").content.decode()


def test_worker_enters_a_booking_for_her_committee(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["qihe_101"]))
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/bookings/{booking.pk}/"
    assert (booking.source, booking.committee.code, booking.name) == (BookingSource.DESK, "T04C027", "张阿婆")
    event = AuditEvent.objects.get(action="booking.desk_create")
    assert (event.actor, event.object_id) == (worker, booking.booking_no)
    assert OutboundMessage.objects.filter(template="booking_created", recipient="13912345678").exists()
    assert f"已代录预约 {booking.booking_no}" in client.get(response["Location"]).content.decode()


def test_worker_cannot_enter_another_committees_address(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(url(open_round), form(rooms["shangnan"]))
    assert response.status_code == 422
    assert "该地址属于上南一村，您只能为本居委会辖区内的居民代录预约。" in response.content.decode()
    assert not Booking.objects.exists()


def test_worker_must_pick_a_standard_address(client, worker, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.post(url(open_round), form(None, address_text="周家渡街道某路1号", town_code="T04"))
    assert response.status_code == 422 and "请搜索并选择本居委会辖区内的标准地址。" in response.content.decode()


def test_same_validations_as_the_resident_page(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.post(url(open_round), form(rooms["qihe_101"], id_number="310115198503120010", consent="")).content.decode()
    assert "身份证号码校验位不正确" in html and "请阅读并勾选同意隐私声明后再提交。" in html


def test_one_booking_per_id_per_round(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    data = form(rooms["qihe_101"])
    client.post(url(open_round), data)
    first = Booking.objects.get()
    response = client.post(url(open_round), data)
    assert response.status_code == 422 and f"该证件本轮已预约，预约编号 {first.booking_no}。" in response.content.decode()
    assert Booking.objects.count() == 1


def test_town_officer_enters_for_her_town_only(client, town_officer, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert client.post(url(open_round), form(rooms["shangnan"])).status_code == 302
    response = client.post(url(open_round), form(rooms["shanggang"]))
    assert response.status_code == 422 and "该地址不在本街镇" in response.content.decode()
    assert Booking.objects.count() == 1


def test_address_search_works_without_javascript(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    html = client.post(url(open_round), {**form(None), "action": "search", "address_query": "齐河柏公寓1号楼101"}).content.decode()
    assert f'value="{rooms["qihe_101"].address_id}"' in html


@pytest.mark.parametrize("persona", ["clerk", "district_officer"])
def test_only_committee_workers_and_town_officers_enter(request, client, open_round, persona) -> None:  # type: ignore[no-untyped-def]
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(open_round)).status_code == 404


def test_a_round_outside_the_scope_or_missing_is_404(client, worker) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.get("/desk/bookings/new/?round=999999").status_code == 404
    assert client.get("/desk/bookings/new/").status_code == 404

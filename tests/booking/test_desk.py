"""The staff desk: each level sees its own scope, lists are masked, opening a record is audited."""

from __future__ import annotations

import json

import pytest

from fangkong.booking.models import Booking
from fangkong.core.models import AuditEvent
from tests.booking.helpers import payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(client, open_round, rooms):  # type: ignore[no-untyped-def]
    made = {}
    for key in ("qihe_101", "shangnan", "shanggang"):
        body = client.post(
            f"/api/v1/rounds/{open_round.pk}/bookings",
            data=json.dumps(payload(rooms[key], name=f"王{key[:2]}明")),
            content_type="application/json",
        ).json()
        made[key] = Booking.objects.get(booking_no=body["booking_no"])
    return made


def login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def test_worker_sees_only_her_committees_bookings_masked(client, worker, open_round, bookings) -> None:  # type: ignore[no-untyped-def]
    html = login(client, worker).get(f"/desk/rounds/{open_round.pk}/").content.decode()
    mine = bookings["qihe_101"]
    assert mine.booking_no in html
    assert bookings["shangnan"].booking_no not in html
    assert mine.id_number not in html and mine.phone not in html
    assert mine.id_number[:6] + "********" + mine.id_number[-4:] in html
    assert "138****5678" in html


def test_opening_a_record_unmasks_it_and_is_audited(client, worker, bookings) -> None:  # type: ignore[no-untyped-def]
    mine = bookings["qihe_101"]
    html = login(client, worker).get(f"/desk/bookings/{mine.pk}/").content.decode()
    assert mine.id_number in html and mine.phone in html
    event = AuditEvent.objects.get(action="booking.unmask")
    assert (event.actor, event.object_id, event.committee_id) == (worker, mine.booking_no, mine.committee_id)


@pytest.mark.parametrize("other", ["shangnan", "shanggang"])
def test_worker_gets_404_for_other_committees_bookings(client, worker, bookings, other) -> None:  # type: ignore[no-untyped-def]
    assert login(client, worker).get(f"/desk/bookings/{bookings[other].pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="booking.unmask").exists()


def test_worker_gets_404_for_another_committees_list(client, worker, open_round, committees) -> None:  # type: ignore[no-untyped-def]
    other = committees["T04C001"]
    assert login(client, worker).get(f"/desk/rounds/{open_round.pk}/committees/{other.pk}/").status_code == 404


def test_town_officer_sees_town_committees_with_counts(client, town_officer, open_round, bookings) -> None:  # type: ignore[no-untyped-def]
    html = login(client, town_officer).get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert "齐河第二社区" in html and "上南一村" in html
    assert "上南花城社区" not in html  # another town's committee


def test_town_officer_drills_into_own_committee_but_not_another_towns(client, town_officer, open_round, committees, bookings) -> None:  # type: ignore[no-untyped-def]
    c = login(client, town_officer)
    own = c.get(f"/desk/rounds/{open_round.pk}/committees/{committees['T04C027'].pk}/")
    assert bookings["qihe_101"].booking_no in own.content.decode()
    assert c.get(f"/desk/rounds/{open_round.pk}/committees/{committees['T01C001'].pk}/").status_code == 404
    assert c.get(f"/desk/bookings/{bookings['shanggang'].pk}/").status_code == 404
    assert c.get(f"/desk/bookings/{bookings['shangnan'].pk}/").status_code == 200


def test_district_sees_every_town_and_drills_down(client, district_officer, open_round, bookings) -> None:  # type: ignore[no-untyped-def]
    c = login(client, district_officer)
    html = c.get(f"/desk/rounds/{open_round.pk}/").content.decode()
    assert "周家渡街道" in html and "上钢新村街道" in html and "惠南镇" in html
    town_id = bookings["shanggang"].town_id
    assert "上南花城社区" in c.get(f"/desk/rounds/{open_round.pk}/?town={town_id}").content.decode()
    assert c.get(f"/desk/bookings/{bookings['shanggang'].pk}/").status_code == 200


def test_clerk_sees_no_bookings(client, clerk, open_round, bookings) -> None:  # type: ignore[no-untyped-def]
    c = login(client, clerk)
    assert c.get(f"/desk/bookings/{bookings['qihe_101'].pk}/").status_code == 404
    assert c.get(f"/desk/rounds/{open_round.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(client, bookings) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/desk/bookings/{bookings['qihe_101'].pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_desk_search_by_last_four_phone_digits(client, worker, open_round, bookings) -> None:  # type: ignore[no-untyped-def]
    html = login(client, worker).get(f"/desk/rounds/{open_round.pk}/?q=5678").content.decode()
    assert bookings["qihe_101"].booking_no in html


def test_audit_log_page_is_for_district_admins_only(client, worker, district_officer, bookings) -> None:  # type: ignore[no-untyped-def]
    login(client, worker).get(f"/desk/bookings/{bookings['qihe_101'].pk}/")
    assert client.get("/desk/audit/").status_code == 403
    html = login(client, district_officer).get("/desk/audit/").content.decode()
    assert "booking.unmask" in html and "qihe2" in html


def test_desk_list_query_count_is_constant(client, worker, open_round, bookings, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    c = login(client, worker)
    with django_assert_max_num_queries(12):
        c.get(f"/desk/rounds/{open_round.pk}/")

"""Every staff URL that takes an object id answers 404 to a user outside that object's scope.

The URL list is read from the URLconf, so a new desk URL with an id is covered (or fails here
until it is given an object below).
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, get_resolver, reverse

from fangkong.booking.models import Booking
from tests.booking.helpers import payload

pytestmark = pytest.mark.django_db


def desk_patterns_with_ids() -> set[str]:
    _prefix, desk = get_resolver().namespace_dict["desk"]
    return {
        f"desk:{p.name}" for p in desk.url_patterns if isinstance(p, URLPattern) and p.pattern.converters
    }


@pytest.fixture
def booking_of_qihe(client, open_round, rooms):  # type: ignore[no-untyped-def]
    body = client.post(
        f"/api/v1/rounds/{open_round.pk}/bookings", json.dumps(payload(rooms["qihe_101"])), content_type="application/json"
    ).json()
    return Booking.objects.get(booking_no=body["booking_no"])


def url_for(name: str, booking: Booking) -> tuple[str, str]:
    """The URL for ``name`` pointing at objects of 齐河第二社区 / its district round, and the method."""
    kwargs = {
        "desk:booking": {"pk": booking.pk},
        "desk:committee": {"round_id": booking.round_id, "committee_id": booking.committee_id},
        "desk:round": {"round_id": booking.round_id},
        "desk:round_status": {"round_id": booking.round_id},
        "desk:booking_decide": {"pk": booking.pk},
        "desk:booking_call": {"pk": booking.pk},
        "desk:bulk_approve": {"round_id": booking.round_id},
        "desk:approve_in_order": {"round_id": booking.round_id, "committee_id": booking.committee_id},
        # Officers only (allocation and quotas); town rounds of another town: tests/booking/test_allocation.py.
        "desk:round_allocate": {"round_id": booking.round_id},
        "desk:round_quotas": {"round_id": booking.round_id},
        # The worker's own scope; ?committee= / ?town= of another scope: tests/booking/test_exports.py.
        "desk:round_export": {"round_id": booking.round_id, "kind": "full"},
        # Jobs are their owner's only (no one else's, whatever the scope): see test_exports.py.
        "desk:export_job": {"job_id": 0},
        "desk:export_download": {"job_id": 0},
        # Dashboards (more cases in tests/booking/test_dashboard.py): the round at the user's own level,
        # 齐河第二社区's town and the committee itself.
        "desk:dashboard": {"round_id": booking.round_id},
        "desk:dashboard_town": {"round_id": booking.round_id, "town_id": booking.town_id},
        "desk:dashboard_committee": {"round_id": booking.round_id, "committee_id": booking.committee_id},
    }
    if name not in kwargs:
        raise AssertionError(f"{name} takes an id: add it to this scoping test")
    posts = {"desk:round_status", "desk:booking_decide", "desk:bulk_approve", "desk:approve_in_order", "desk:round_export"}
    return reverse(name, kwargs=kwargs[name]), "post" if name in posts else "get"


def test_every_desk_url_with_an_id_is_covered(booking_of_qihe) -> None:  # type: ignore[no-untyped-def]
    names = desk_patterns_with_ids()
    assert "desk:booking" in names
    for name in names:
        url_for(name, booking_of_qihe)  # raises for a URL this test does not know yet


# desk:bulk_approve names only the (district-wide) round: another committee's ids in it are
# simply not found, see tests/booking/test_desk_actions.py.
ACTIONS = ["desk:booking_decide", "desk:booking_call", "desk:approve_in_order"]
# Officers' pages: every committee worker (own or not) and the clerk get 404; another town's
# officer may set her own committees' quotas in a district round, but not allocate it.
OFFICER_PAGES = ["desk:round_allocate", "desk:round_quotas"]
# A committee's dashboard, and its town's (which no committee worker may open).
DASHBOARDS = ["desk:dashboard_committee", "desk:dashboard_town"]


@pytest.mark.parametrize("name", ["desk:booking", "desk:committee", *ACTIONS, *OFFICER_PAGES, *DASHBOARDS])
def test_worker_of_another_committee_gets_404(client, outsider, booking_of_qihe, name) -> None:  # type: ignore[no-untyped-def]
    url, method = url_for(name, booking_of_qihe)
    client.force_login(outsider)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("name", ["desk:booking", "desk:committee", *ACTIONS, "desk:round_allocate", *DASHBOARDS])
def test_officer_of_another_town_gets_404(client, other_town_officer, booking_of_qihe, name) -> None:  # type: ignore[no-untyped-def]
    url, method = url_for(name, booking_of_qihe)
    client.force_login(other_town_officer)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(
    "name", ["desk:booking", "desk:committee", "desk:round", *ACTIONS, "desk:bulk_approve", "desk:round_export",
             *OFFICER_PAGES, "desk:dashboard", *DASHBOARDS]
)
def test_clerk_and_unbound_accounts_get_404(client, clerk, booking_of_qihe, name) -> None:  # type: ignore[no-untyped-def]
    url, method = url_for(name, booking_of_qihe)
    client.force_login(clerk)
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(
    "name", ["desk:booking", "desk:committee", "desk:round", "desk:round_export", "desk:dashboard", "desk:dashboard_committee"]
)
def test_own_committee_worker_gets_200(client, worker, booking_of_qihe, name) -> None:  # type: ignore[no-untyped-def]
    url, method = url_for(name, booking_of_qihe)
    client.force_login(worker)
    assert getattr(client, method)(url).status_code == 200


def test_round_of_another_town_is_404_for_its_status_too(client, town_officer, other_town_officer, masks) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.booking.services import round_create

    round_ = round_create(actor=town_officer, district=town_officer.district, town=town_officer.town, goods=masks, number=9,
                          opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=1))
    client.force_login(other_town_officer)
    assert client.post(reverse("desk:round_status", args=[round_.pk]), {"status": "open"}).status_code == 404
    assert client.get(reverse("desk:round", args=[round_.pk])).status_code == 404


def test_export_of_another_committee_is_404(client, outsider, other_town_officer, booking_of_qihe) -> None:  # type: ignore[no-untyped-def]
    url = reverse("desk:round_export", kwargs={"round_id": booking_of_qihe.round_id, "kind": "full"})
    for user, query in ((outsider, f"?committee={booking_of_qihe.committee_id}"),
                        (other_town_officer, f"?committee={booking_of_qihe.committee_id}"),
                        (other_town_officer, f"?town={booking_of_qihe.town_id}")):
        client.force_login(user)
        assert client.post(url + query).status_code == 404


@pytest.mark.parametrize("name", OFFICER_PAGES)
def test_own_committee_worker_gets_404_on_officers_pages(client, worker, booking_of_qihe, name) -> None:  # type: ignore[no-untyped-def]
    url, method = url_for(name, booking_of_qihe)
    client.force_login(worker)
    assert getattr(client, method)(url).status_code == 404


def test_town_round_of_another_town_is_404_for_allocation_and_quotas(client, town_officer, other_town_officer, masks) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.booking.services import round_create

    round_ = round_create(actor=town_officer, district=town_officer.district, town=town_officer.town, goods=masks, number=9,
                          opens_at=timezone.now(), closes_at=timezone.now() + timedelta(days=1))
    client.force_login(other_town_officer)
    for name in OFFICER_PAGES:
        assert client.get(reverse(name, args=[round_.pk])).status_code == 404
        assert client.post(reverse(name, args=[round_.pk])).status_code == 404

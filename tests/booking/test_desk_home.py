"""Where each role lands after signing in (the login redirect goes to the desk home)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_pickup_clerk_lands_on_the_redemption_page(client, clerk):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/pickup/"


def test_a_cadre_or_volunteer_lands_in_the_office_inbox(client, committees):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role
    from fangkong.orgs.services import staff_create

    member = staff_create(
        username="13800138000", password="pw-member", role=Role.OFFICE_MEMBER,
        display_name="王志愿", committee=committees["T04C027"],
    )
    client.force_login(member)
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/office/inbox/"


def test_a_committee_worker_stays_on_the_desk(client, worker):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    response = client.get("/desk/")
    assert response.status_code == 200

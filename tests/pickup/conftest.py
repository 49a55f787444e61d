"""Pickup personas: a pharmacy in 周家渡街道 where ``clerk`` works, 齐河第二社区's own office,
and a pharmacy in 上钢新村街道 (another town)."""

from __future__ import annotations

import pytest


def make_point(town_code: str, name: str, *, committee_code: str = "", kind: str = "pharmacy", clerks=()):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Committee, Town
    from fangkong.pickup.models import PickupPoint

    town = Town.objects.get(code=town_code)
    point = PickupPoint.objects.create(
        district_id=town.district_id, town=town, name=name, kind=kind, address=f"{name}地址 1号",
        opening_hours="8:00-20:00", committee=Committee.objects.get(code=committee_code) if committee_code else None,
    )
    point.clerks.set(clerks)
    return point


def give_stock(round_, point, quantity: int):  # type: ignore[no-untyped-def]
    from fangkong.pickup.models import PickupStock

    stock, _ = PickupStock.objects.update_or_create(round=round_, point=point, defaults={"quantity": quantity})
    return stock


@pytest.fixture
def pharmacy(pudong, clerk):  # type: ignore[no-untyped-def]
    return make_point("T04", "益丰大药房（齐河路店）", clerks=[clerk])


@pytest.fixture
def qihe_office(pudong):  # type: ignore[no-untyped-def]
    return make_point("T04", "齐河第二社区居委会", committee_code="T04C027", kind="office")


@pytest.fixture
def other_clerk(pudong):  # type: ignore[no-untyped-def]
    from fangkong.orgs.models import Role, Town
    from fangkong.orgs.services import staff_create

    return staff_create(username="clerk2", password="pw-clerk2", role=Role.PICKUP_CLERK, display_name="clerk2",
                        town=Town.objects.get(code="T01"))


@pytest.fixture
def shanggang_pharmacy(pudong, other_clerk):  # type: ignore[no-untyped-def]
    return make_point("T01", "上钢大药房", clerks=[other_clerk])


@pytest.fixture
def approved(open_round, rooms, worker, pharmacy):  # type: ignore[no-untyped-def]
    """A 齐河第二社区 booking approved with stock at the pharmacy: it has its voucher."""
    from fangkong.booking.workflow import booking_approve
    from tests.booking.helpers import book

    give_stock(open_round, pharmacy, 100)
    booking = book(open_round, rooms["qihe_101"])
    booking_approve(actor=worker, booking_id=booking.pk)
    booking.refresh_from_db()
    return booking

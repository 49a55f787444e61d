"""Pickup stock on the live dashboards: per town for the district, per point for a town, the
points its residents are sent to for a committee."""

from __future__ import annotations

import pytest

from fangkong.pickup.queries import dashboard_stock

from .conftest import give_stock

pytestmark = pytest.mark.django_db


def test_the_district_sees_stock_summed_per_town(open_round, approved, pharmacy, shanggang_pharmacy, qihe_office):  # type: ignore[no-untyped-def]
    give_stock(open_round, shanggang_pharmacy, 40)
    give_stock(open_round, qihe_office, 10)
    total, lines = dashboard_stock(open_round)
    by_town = {line.label: line for line in lines}
    assert (by_town["周家渡街道"].quantity, by_town["周家渡街道"].issued) == (110, approved.quantity)
    assert by_town["上钢新村街道"].quantity == 40
    assert (total.quantity, total.issued, total.redeemed) == (150, approved.quantity, 0)


def test_a_town_sees_each_of_its_points_and_no_other_towns(open_round, approved, pharmacy, shanggang_pharmacy):  # type: ignore[no-untyped-def]
    give_stock(open_round, shanggang_pharmacy, 40)
    total, lines = dashboard_stock(open_round, town_id=pharmacy.town_id)
    assert [line.label for line in lines] == ["益丰大药房（齐河路店）"]
    assert lines[0].available == 100 - approved.quantity
    assert total.quantity == 100


def test_a_committee_sees_the_points_its_vouchers_go_to(open_round, approved, pharmacy, shanggang_pharmacy, worker):  # type: ignore[no-untyped-def]
    give_stock(open_round, shanggang_pharmacy, 40)
    _, lines = dashboard_stock(open_round, committee_id=worker.committee_id)
    assert [line.label for line in lines] == ["益丰大药房（齐河路店）"]


def test_the_town_dashboard_page_shows_the_stock_table(client, open_round, approved, town_officer, pharmacy):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    page = client.get(f"/desk/rounds/{open_round.pk}/dashboard/towns/{pharmacy.town_id}/").content.decode()
    assert 'id="stock"' in page
    assert "益丰大药房（齐河路店）" in page
    assert "剩余 100 / 共 100" in page


def test_the_district_dashboard_links_each_towns_stock_to_that_town(client, open_round, approved, district_officer, pharmacy):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    page = client.get(f"/desk/rounds/{open_round.pk}/dashboard/").content.decode()
    assert f"/desk/rounds/{open_round.pk}/dashboard/towns/{pharmacy.town_id}/#stock" in page

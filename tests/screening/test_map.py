"""The work-order map: markers from the rooms' coordinates, scoped like the lists, masked, with
the orders that have no coordinates listed beside; tiles only when configured."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.screening.models import OrderStatus

from .conftest import hours_ago, make_order

pytestmark = pytest.mark.django_db


def make_room(committee, address_id, *, road="航亭环路", number="1343", compound="齐河柏公寓", room="101", **kw):  # type: ignore[no-untyped-def]
    from fangkong.addresses.services import address_create

    return address_create(address_id=address_id, committee=committee, road=road, number=number, compound=compound,
                          building="1", room=room, **kw)


@pytest.fixture
def placed(committees):  # type: ignore[no-untyped-def]
    """Two rooms of one building in 齐河第二社区 (one point), one in 上南一村; all with coordinates."""
    qihe = committees["T04C027"]
    return {
        "101": make_room(qihe, "A91000101", room="101", lng=121.514975, lat=31.178363),
        "102": make_room(qihe, "A91000102", room="102", lng=121.514975, lat=31.178363),
        "shangnan": make_room(committees["T04C001"], "A91000201", road="上南路", number="100", compound="上南一村小区",
                              room="201", lng=121.511441, lat=31.152716),
    }


def test_a_committee_sees_its_open_orders_as_places_with_masked_people(client, worker, committees, placed):  # type: ignore[no-untyped-def]
    qihe = committees["T04C027"]
    make_order(qihe, name="王小明", address_id="A91000101")
    make_order(qihe, name="李娜", address_id="A91000102")
    make_order(qihe, name="赵六", address_id="A91000101", status=OrderStatus.CLOSED)  # done: not on the map
    make_order(committees["T04C001"], name="钱七", address_id="A91000201")  # another committee
    client.force_login(worker)
    data = client.get("/screening/map/orders.json").json()
    assert data["counts"]["open"] == 2
    [place] = data["places"]  # one building, one marker
    assert (place["lat"], place["lng"]) == (31.178363, 121.514975)
    assert sorted(o["person"] for o in place["orders"]) == ["李*", "王**"]
    assert "王小明" not in str(data) and "钱七" not in str(data)
    assert place["orders"][0]["url"].startswith("/screening/orders/")


def test_orders_without_coordinates_are_listed_beside_the_map(client, worker, committees, placed):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], address_id="")  # no room matched
    make_order(committees["T04C027"], address_id="A99999999")  # a room the app's database lacks
    client.force_login(worker)
    data = client.get("/screening/map/orders.json").json()
    assert data["places"] == []
    assert len(data["unplaced"]) == 2 and data["counts"]["placed"] == 0


def test_an_overdue_order_colours_its_place_red_before_an_urgent_one(client, worker, committees, placed):  # type: ignore[no-untyped-def]
    qihe = committees["T04C027"]
    make_order(qihe, order_type="symptom_check", address_id="A91000101")  # urgent, in time
    make_order(qihe, address_id="A91000102", accept_due=hours_ago(0.1))  # overdue
    client.force_login(worker)
    data = client.get("/screening/map/orders.json").json()
    assert data["places"][0]["kind"] == "overdue"
    assert data["counts"] | {} == {"open": 2, "overdue": 1, "urgent": 1, "placed": 2}


def test_an_urgent_order_colours_its_place_over_the_state(client, worker, committees, placed):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], order_type="symptom_check", address_id="A91000101")
    make_order(committees["T04C027"], address_id="A91000102", status=OrderStatus.IN_PROGRESS)
    client.force_login(worker)
    assert client.get("/screening/map/orders.json").json()["places"][0]["kind"] == "urgent"


def test_the_town_map_shows_its_committees_and_filters_by_one(client, town_officer, committees, placed, t04):  # type: ignore[no-untyped-def]
    make_order(committees["T04C027"], address_id="A91000101")
    make_order(committees["T04C001"], address_id="A91000201")
    make_order(town=t04)  # waiting at the town: no room yet
    make_order(committees["T01C001"], address_id="A91000201")  # another town
    client.force_login(town_officer)
    everything = client.get("/screening/map/orders.json").json()
    assert (len(everything["places"]), len(everything["unplaced"])) == (2, 1)
    one = client.get(f"/screening/map/orders.json?committee={committees['T04C001'].pk}").json()
    assert [p["orders"][0]["committee"] for p in one["places"]] == ["上南一村"]


def test_a_committee_outside_the_scope_is_not_found(client, town_officer, worker, committees):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert client.get(f"/screening/map/orders.json?committee={committees['T01C001'].pk}").status_code == 404
    client.force_login(worker)
    assert client.get(f"/screening/map/?committee={committees['T04C001'].pk}").status_code == 404


def test_staff_without_a_screening_scope_get_no_map(client, clerk):  # type: ignore[no-untyped-def]
    client.force_login(clerk)
    assert client.get("/screening/map/orders.json").status_code == 404
    assert client.get("/screening/map/").status_code == 404


def test_the_markers_take_a_fixed_number_of_queries(client, town_officer, committees, placed, t04):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    client.get("/screening/map/orders.json")  # warm the session and the user
    for room in ("A91000101", "A91000102", "A91000201"):
        make_order(committees["T04C027"], address_id=room)
    with CaptureQueriesContext(connection) as few:
        client.get("/screening/map/orders.json")
    for _n in range(20):
        make_order(committees["T04C001"], address_id="A91000201")
        make_order(town=t04)
    with CaptureQueriesContext(connection) as many:
        data = client.get("/screening/map/orders.json").json()
    assert data["counts"]["open"] == 43
    assert len(many) == len(few) <= 4  # session, user, the orders with their coordinates


def test_the_map_page_is_self_hosted_and_tiles_need_a_key(client, worker, settings):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    settings.TIANDITU_KEY = ""
    page = client.get("/screening/map/").content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/screening/map.js" in page
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert '"tianditu_key": ""' in page and '"data_url": "/screening/map/orders.json"' in page
    settings.TIANDITU_KEY = "k-123"
    assert '"tianditu_key": "k-123"' in client.get("/screening/map/").content.decode()


def test_the_committee_list_links_to_the_map(client, worker):  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert 'href="/screening/map/"' in client.get("/screening/").content.decode()

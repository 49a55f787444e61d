"""As-you-type search: the room meant comes first, in natural order, in two queries at most."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from fangkong.addresses.models import StandardAddress
from fangkong.addresses.queries import _union_sql, search_addresses
from fangkong.orgs.models import Town

from ..conftest import needs_postgres

pytestmark = pytest.mark.django_db

Estates = dict[str, StandardAddress]


def labels(q: str, **kwargs: Any) -> list[str]:
    return [a.label for a in search_addresses(q, **kwargs)]


@pytest.mark.parametrize(
    "typed",
    [
        "上南路3855弄12号302室",
        "上南路3855弄12号302",
        "上海市浦东新区上南路３８５５弄１２－３０２",
        "齐河柏公寓12号302",
        "齐河柏公寓12-302室",
    ],
)
def test_a_full_lane_address_finds_that_room_first(estates: Estates, typed: str) -> None:
    assert labels(typed)[0] == "上南路3855弄12号302室"


@pytest.mark.parametrize(
    "typed",
    [
        "上南康公馆2号楼101",
        "上南康公馆2-101",
        "上南康公馆2幢101室",
        "陆家嘴环路1309号2号楼101室",
        "陆家嘴环路1309号 上南康公馆 2号楼 101室",
    ],
)
def test_a_full_building_address_finds_that_room_first(estates: Estates, typed: str) -> None:
    assert labels(typed)[0] == "陆家嘴环路1309号 上南康公馆 2号楼 101室"


def test_the_label_residents_see_finds_its_room(estates: Estates) -> None:
    assert labels("上南路3855弄12号302室（齐河柏公寓）") == ["上南路3855弄12号302室"]


def test_rooms_of_a_number_come_in_natural_order(estates: Estates) -> None:
    assert labels("上南路3855弄12号") == [
        f"上南路3855弄12号{room}室" for room in ("101", "102", "201", "302", "902", "1001", "1002")
    ]


def test_the_number_typed_comes_before_longer_numbers_starting_with_it(estates: Estates) -> None:
    found = labels("上南路3855弄1", limit=50)
    numbers = [label.split("弄")[1].split("号")[0] for label in found]
    assert numbers == ["1"] * 7 + ["10"] * 7 + ["12"] * 7


def test_a_lane_lists_its_numbers_in_natural_order(estates: Estates) -> None:
    found = labels("上南路 3855 弄", limit=50)
    assert [label.split("弄")[1].split("号")[0] for label in found[::7]] == ["1", "2", "10", "12"]


def test_at_most_limit_rooms_best_first(estates: Estates) -> None:
    assert len(labels("上南路3855")) == 20
    assert labels("齐河柏", limit=3) == [
        "上南路3855弄1号101室",
        "上南路3855弄1号102室",
        "上南路3855弄1号201室",
    ]


def test_a_town_limits_the_search(estates: Estates) -> None:
    shanggang = Town.objects.get(code="T01")
    assert labels("源深路2520弄", town_id=shanggang.pk) == [
        "源深路2520弄1号101室",
        "源深路2520弄1号102室",
    ]
    assert labels("上南路3855弄", town_id=shanggang.pk) == []


@pytest.mark.parametrize("typed", ["", " ", "上", "上海市浦东新区", "x" * 101])
def test_empty_short_or_overlong_queries_find_nothing_without_asking_the_database(
    estates: Estates, typed: str, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert search_addresses(typed) == []


def test_nothing_found_for_an_unknown_road(estates: Estates) -> None:
    assert labels("不存在路1号") == []


def test_a_search_is_two_queries_with_town_and_committee_loaded(
    estates: Estates, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        found = search_addresses("上南路3855弄1")
        assert [(a.town.name, a.committee.name) for a in found][:1] == [
            ("周家渡街道", "齐河第二社区")
        ]
    assert len(found) == 20


def _plan(q: str, town_id: int | None = None) -> str:
    sql, params = _union_sql(q, limit=20, town_id=town_id)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table of 40 rooms is read faster sequentially; forbid that to see the plan of 1.6M.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_every_range_is_an_index_range_scan(estates: Estates) -> None:
    plan = _plan("上南路3855弄1")
    if connection.vendor == "sqlite":
        scans = [line for line in plan.splitlines() if "addresses_standardaddress" in line]
        assert len(scans) == 10 and all(
            "USING COVERING INDEX" in line and "_key>? AND" in line for line in scans
        )
    else:
        assert plan.count("Index Scan using standardaddress_road_key") == 5
        assert plan.count("Index Scan using standardaddress_compound_key") == 5
        assert "Seq Scan" not in plan


def test_a_town_search_uses_the_town_and_key_indexes(estates: Estates) -> None:
    plan = _plan("上南路", town_id=Town.objects.get(code="T04").pk)
    assert "standardaddress_town_road" in plan and "standardaddress_town_compound" in plan


@needs_postgres()
def test_key_columns_compare_bytewise_whatever_the_database_collation() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, collation_name FROM information_schema.columns"
            " WHERE table_name = 'addresses_standardaddress' AND column_name LIKE '%%_key' ORDER BY 1"
        )
        assert cursor.fetchall() == [("compound_key", "C"), ("road_key", "C")]

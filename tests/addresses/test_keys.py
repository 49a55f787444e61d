"""What people type reduces to the spelling of the rooms they mean (no database needed)."""

from __future__ import annotations

import pytest

from fangkong.addresses.keys import (
    encode,
    key_ranges,
    normalise,
    query_forms,
    row_keys,
    standard_label,
)

LANE_ROOM = {
    "road": "上南路",
    "lane": "3855",
    "number": "12",
    "compound": "齐河柏公寓",
    "building": "",
    "room": "302",
}
BUILDING_ROOM = {
    "road": "陆家嘴环路",
    "lane": "",
    "number": "1309",
    "compound": "上南康公馆",
    "building": "1",
    "room": "101",
}


@pytest.mark.parametrize(
    "typed",
    [
        "上南路3855弄12号302室",
        "上南路3855弄12号302",
        "上南路３８５５弄１２号３０２",
        "上海市浦东新区上南路3855弄12号302室",
        "上海浦东新区 上南路 3855 弄 12 号 302 室",
        "周家渡街道上南路3855弄12号302",
        "上南路3855弄12-302",
        "上南路3855弄12－302室",
        "上南路3855-12-302",
        "上南路3855弄12 302",
        "上南路3855弄十二号302室",
        "上南路3855弄12号302室（齐河柏公寓）",
    ],
)
def test_road_lane_number_room_spellings_agree(typed: str) -> None:
    assert normalise(typed) == "上南路3855号12号302"


@pytest.mark.parametrize(
    "typed",
    [
        "上南康公馆1号楼101",
        "上南康公馆1号楼101室",
        "上南康公馆1-101",
        "上南康公馆1幢101",
        "上南康公馆一号楼101",
        "上南康公馆 1栋 101室",
        "上南康公馆1#101",
    ],
)
def test_compound_building_room_spellings_agree(typed: str) -> None:
    assert normalise(typed) == "上南康公馆1号101"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("上南路 3855 弄", "上南路3855号"),
        ("上南路3855弄12", "上南路3855号12"),
        ("上南路3855弄12-", "上南路3855号12号"),
        ("浦东南路1号", "浦东南路1号"),  # 浦东 alone is part of a road name, not the district
        ("三林路", "三林路"),  # Chinese numerals only count before 号, 弄, 室...
        ("三林镇三林路", "三林路"),
        ("  ", ""),
    ],
)
def test_partial_queries(typed: str, canonical: str) -> None:
    assert normalise(typed) == canonical


def test_numbers_in_keys_sort_in_natural_order() -> None:
    typed_order = [
        "上南路3855号2号101",
        "上南路3855号10号101",
        "上南路3855号10号902",
        "上南路3855号10号1001",
    ]
    assert sorted(typed_order, key=lambda s: encode(s)) == typed_order


def test_row_keys_are_the_keys_of_what_people_write() -> None:
    assert row_keys(**LANE_ROOM)[0] == encode(normalise(standard_label(**LANE_ROOM)))
    assert row_keys(**BUILDING_ROOM)[0] == encode(normalise("陆家嘴环路1309号1号楼101室"))


def test_compound_key_of_each_style() -> None:
    assert row_keys(**LANE_ROOM)[1] == encode("齐河柏公寓12号302")
    assert row_keys(**BUILDING_ROOM)[1] == encode("上南康公馆1号101")


def test_standard_labels() -> None:
    assert standard_label(**LANE_ROOM) == "上南路3855弄12号302室"
    assert standard_label(**BUILDING_ROOM) == "陆家嘴环路1309号 上南康公馆 1号楼 101室"


def test_a_trailing_number_may_still_grow_and_exact_length_ranks_first() -> None:
    ranges = key_ranges("上南路3855号1")
    assert [r.rank for r in ranges] == [0, 1, 2, 3, 4]
    assert ranges[0].lo == "上南路43855号11"  # number 1 exactly: 1号…
    assert ranges[1].lo == "上南路43855号21"  # 10号 … 19号
    room_key = row_keys(**{**LANE_ROOM, "number": "1"})[0]
    assert ranges[0].lo <= room_key < ranges[0].hi


def test_a_query_ending_in_a_name_is_one_range() -> None:
    (only,) = key_ranges("上南")
    assert (only.lo, only.hi) == ("上南", "上" + chr(ord("南") + 1))


def test_too_short_queries_have_no_forms() -> None:
    assert query_forms("") == []
    assert query_forms("上") == []
    assert query_forms("上海市浦东新区") == []


def test_a_pasted_building_label_is_also_looked_up_from_the_compound_on() -> None:
    forms = query_forms("陆家嘴环路1309号 上南康公馆 1号楼 101室")
    assert [(f.canonical, f.compound_only) for f in forms] == [
        ("陆家嘴环路1309号上南康公馆1号101", False),
        ("上南康公馆1号101", True),
    ]

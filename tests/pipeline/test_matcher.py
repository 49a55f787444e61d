"""Matcher hard cases on a small hand-built standard table (tests/pipeline/data/standard.csv)."""

from __future__ import annotations

import pytest

from fangkong.pipeline.address import match


@pytest.mark.parametrize(
    ("text", "address_id"),
    [
        ("上海市浦东新区上南路3855弄12号302室", "A00000002"),
        ("上南路三八五五弄十二号三零二室", "A00000002"),
        ("上南路３８５５弄１２號３０２室", "A00000002"),
        ("上南路3855弄12-302", "A00000002"),
        ("上南路3855弄12 302", "A00000002"),
        ("上南路38 55弄12号302室", "A00000002"),  # a stray space inside the lane number
        ("上南3855弄3-502室", "A00000004"),  # road without 路
        ("尚南路3855弄12号302室", "A00000002"),  # homophone road
        ("上南花城3号1101", "A00000005"),  # compound instead of road
        ("上南花成3号1101", "A00000005"),  # homophone in the compound name
        ("上南化城3号1101", "A00000005"),  # typo in the compound name
        ("Room 302, No. 12, Lane 3855, Shangnan Road, Pudong", "A00000002"),
        ("Rm 206, Bldg 29, Lane 3635 Yanggao Middle Road", "A00000006"),
        ("Meichun Xincheng 13-103", "A00000012"),  # pinyin compound name
        ("Room 1201, Building 1, Meichun Xincheng, No. 980 Dongfang Road", "A00000010"),
        ("Room 404, No. 7, Lane 1522, Pudong Avenue, Pudong", "A00000018"),  # Pudong as part of a road name
        ("Lvyinjiayuan 7-404", "A00000018"),  # ü written v
        ("Rm 302, No. 12, Lane 3855 上南路", "A00000002"),  # Chinese name inside an English address
        ("张江镇张江1630号4号楼402", "A00000013"),  # town name that is also a road, road without 路
        ("上海市南汇区唐镇崂山路2715弄26号一零一", "A00000008"),  # old district name
        ("唐镇一心村一心村26号102", "A00000009"),  # committee and compound share a name
        ("李女士 13812345678 家住曹路大道407弄16号401室附近", "A00000015"),
        # a town written without 镇 runs into the compound: 川沙新|新苑南新村, not 川沙|新新苑|南新村
        ("上海市浦东新区川沙新新苑南新村4幢２１０１室", "A00000031"),
    ],
)
def test_matched_to_the_exact_room(small_index, text, address_id):
    d = match(small_index, text)
    assert (d.status, d.address_id) == ("matched", address_id), d.explanation
    assert d.explanation and 0 < d.confidence <= 1


def test_wrong_town_written_is_not_trusted(small_index):
    d = match(small_index, "曹路镇上南路3855弄12号302室")
    assert (d.status, d.address_id, d.committee_code) == ("matched", "A00000002", "T04C027")


def test_homophone_correction_is_explained(small_index):
    d = match(small_index, "尚南路3855弄12号302室")
    assert "上南路" in d.explanation and "尚南路" in d.explanation


def test_room_that_does_not_exist_gives_the_committee_only(small_index):
    d = match(small_index, "上南路3855弄12号909室")
    assert (d.status, d.address_id, d.committee_code) == ("committee_only", "", "T04C027")


def test_building_that_does_not_exist_gives_the_committee_of_the_compound(small_index):
    d = match(small_index, "梅春新城99号楼101")
    assert (d.status, d.committee_code) == ("committee_only", "T25C001")


def test_place_outside_the_district(small_index):
    d = match(small_index, "徐汇区漕溪北路88号")
    assert (d.status, d.address_id, d.committee_code) == ("outside", "", "")


def test_two_near_identical_compounds_go_to_review_with_candidates(small_index):
    d = match(small_index, "明心苑1号101")  # 明星苑 and 明兴苑 are one edit and one sound away
    assert d.status == "review" and d.address_id == ""
    assert {c.address_id for c in d.candidates} >= {"A00000016", "A00000017"}

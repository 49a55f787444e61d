"""Parser: every notation people write, without and with the database lexicon."""

from __future__ import annotations

import pytest

from fangkong.pipeline.address import normalize, parse
from fangkong.pipeline.address.normalize import cn_to_int_str


@pytest.mark.parametrize(
    ("run", "digits"),
    [("三八五五", "3855"), ("三十四", "34"), ("十二", "12"), ("一零一", "101"), ("二零零二", "2002"), ("一百零三", "103"), ("十", "10")],
)
def test_chinese_numerals_in_every_form(run, digits):
    assert cn_to_int_str(run) == digits


def test_full_width_and_traditional_characters_are_normalised():
    assert normalize("上海市浦東新區上南路３８５５弄１２號３０２室") == "上海市浦东新区上南路3855弄12号302室"


def test_spaces_inside_chinese_words_are_removed_but_digit_spaces_kept():
    assert normalize("上海浦 东新区 上南路 3855 弄 12 302") == "上海浦东新区上南路3855弄12 302"


def test_phone_numbers_names_and_labels_are_dropped():
    s = normalize("李女士 13812345678 住址：浦东新区上南路3855弄12号302室（近地铁站）")
    assert "138" not in s and "李女士" not in s and "地铁站" not in s
    assert s.endswith("上南路3855弄12号302室")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("上南路3855弄12号302室", {"road": "上南路", "lane": "3855", "building": "12", "room": "302"}),
        ("上南路三八五五弄十二号三零二室", {"road": "上南路", "lane": "3855", "building": "12", "room": "302"}),
        ("上南路3855弄12-302", {"lane": "3855", "building": "12", "room": "302"}),
        ("上南路3855弄3-502室", {"lane": "3855", "building": "3", "room": "502"}),
        ("上南路3855弄12 302", {"lane": "3855", "building": "12", "room": "302"}),
        ("上南路3855弄4支弄12号302室", {"lane": "3855", "sub_lane": "4", "building": "12", "room": "302"}),
        ("东方路980号梅春新城13号楼103室", {"road": "东方路", "number": "980", "compound": "梅春新城", "building": "13", "room": "103"}),
        ("梅春新城13幢103", {"compound": "梅春新城", "building": "13", "room": "103"}),
        ("梅春新城13栋3单元103室", {"building": "13", "unit": "3", "room": "103"}),
        ("梅春新城13座10层02室", {"building": "13", "floor": "10", "room": "1002"}),
        ("上游村三十四号301室", {"building": "34", "room": "301"}),
    ],
)
def test_numbers_with_their_markers(text, expected):
    p = parse(text)
    for key, value in expected.items():
        assert getattr(p, key) == value, (key, p)


def test_prefixes_town_committee_and_old_district_name():
    p = parse("上海市南汇区惠南镇樱桃苑居委会商城路1731弄3-602")
    assert "南汇区" in p.prefix
    assert p.town == "惠南镇"
    assert p.committee == "樱桃苑居委会"
    assert (p.road, p.lane, p.building, p.room) == ("商城路", "1731", "3", "602")


def test_stray_words_are_leftover_not_components():
    p = parse("家住浦东新区上南路3855弄12号302室附近")
    assert (p.road, p.room) == ("上南路", "302") and "附近" in p.leftover


def test_outside_district_is_recognised():
    assert parse("徐汇区漕溪北路88号").outside == "徐汇区"


@pytest.mark.parametrize(
    "text",
    [
        "Room 302, No. 12, Lane 3855, Shangnan Road, Pudong",
        "Rm 302, No.12, Lane 3855 Shangnan Rd, Pudong New Area, Shanghai",
    ],
)
def test_english_format_addresses(text):
    p = parse(text)
    assert (p.lane, p.building, p.room) == ("3855", "12", "302")
    assert "shangnanlu" in (p.road, p.compound)  # no database: the pinyin name stays pinyin


def test_english_with_database_lexicon_reads_the_chinese_road(small_index):
    from fangkong.pipeline.address.parser import tokenize

    s, _ = tokenize("Rm 206, Bldg 29, Lane 3635 Yanggao Middle Road", small_index.lexicon, small_index.pinyin_name)
    assert s == "杨高中路3635弄29号楼206室"


def test_database_lexicon_resolves_town_name_that_is_also_a_road(small_index):
    p = parse("张江镇张江1630号4号楼402", small_index.lexicon)
    assert p.town == "张江镇"
    assert p.road == "张江"  # 张江路 written without 路, read as the road because a number follows
    assert (p.number, p.building, p.room) == ("1630", "4", "402")

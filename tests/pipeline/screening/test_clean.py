"""Cleaning the messy exports: every kind of mess named in issue 6, and never a crash."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fangkong.pipeline.screening.clean import clean_id, clean_phone, extract_address, parse_datetime
from fangkong.pipeline.screening.config import load_sources
from fangkong.pipeline.screening.places import area_place, covers, find_places

AS_OF = date(2020, 2, 22)
GOOD = "11010519491231002X"  # the standard's own example


def kinds(problems):
    return {p.kind for p in problems}


@pytest.mark.parametrize(("raw", "kind"), [
    ("11010519491231002x", "id_lowercase_x"),
    ("110105 19491231 002X", "id_spaces"),
    ("１１０１０５１９４９１２３１００２Ｘ", "id_fullwidth"),
    ("'11010519491231002X", "id_apostrophe"),
])
def test_id_mess_is_repaired_and_reported(raw, kind):
    value, valid, problems = clean_id(raw, AS_OF)
    assert (value, valid) == (GOOD, True)
    assert kind in kinds(problems)


def test_id_checksum_not_birthplace():
    from stdnum.cn import ric

    first17 = "31011519600606009"  # born before 310115 (浦东新区) existed: stdnum rejects the birthplace
    pudong = first17 + ric.calc_check_digit(first17 + "0")
    assert not ric.is_valid(pudong)
    assert clean_id(pudong, AS_OF)[1] is True


@pytest.mark.parametrize(("raw", "kind"), [
    ("110105194912310021", "id_checksum"),  # one digit mistyped
    ("110105194913310021", "id_birth_date"),  # month 13
    ("110105202103010011", "id_birth_date"),  # born after AS_OF
    ("12345", "id_format"),
    ("", "id_missing"),
    (None, "id_missing"),
])
def test_invalid_ids(raw, kind):
    _, valid, problems = clean_id(raw, AS_OF)
    assert valid is False
    assert kind in kinds(problems)


@pytest.mark.parametrize(("raw", "kinds_"), [
    ("13800138000", set()),
    ("+8613800138000", {"phone_country_code"}),
    ("86-13800138000", {"phone_country_code", "phone_separators"}),
    ("138-0013-8000", {"phone_separators"}),
    ("138 0013 8000", {"phone_separators"}),
    ("１３８００１３８０００", set()),
])
def test_phones(raw, kinds_):
    value, problems = clean_phone(raw)
    assert value == "13800138000"
    assert kinds(problems) == kinds_


@pytest.mark.parametrize("raw", ["12345", "021-58881234", "2380013800"])
def test_bad_phones(raw):
    value, problems = clean_phone(raw)
    assert value is None and "phone_invalid" in kinds(problems)


@pytest.mark.parametrize(("raw", "expected"), [
    ("2020-02-08 20:10:00", datetime(2020, 2, 8, 20, 10)),
    ("2020/2/8 20:10", datetime(2020, 2, 8, 20, 10)),
    ("202002082010", datetime(2020, 2, 8, 20, 10)),
    ("2020-02-08", datetime(2020, 2, 8)),
    ("2020年2月8日", datetime(2020, 2, 8)),
    ("2月8日", datetime(2020, 2, 8)),
    ("2月22日", datetime(2020, 2, 22)),
    ("12月30日", datetime(2019, 12, 30)),  # no year: never after AS_OF
])
def test_dates(raw, expected):
    value, problems = parse_datetime(raw, AS_OF)
    assert value == expected
    assert ("date_no_year" in kinds(problems)) == ("年" not in raw and "月" in raw)


@pytest.mark.parametrize(("raw", "kind"), [("昨天", "date_unparsed"), ("2020-02-30", "date_invalid"),
                                           ("2020-03-01 08:00:00", "date_future")])
def test_bad_dates_reported(raw, kind):
    _, problems = parse_datetime(raw, AS_OF)
    assert kind in kinds(problems)


@pytest.mark.parametrize(("text", "places"), [
    ("湖北省武汉市", [("湖北省", "武汉市")]),
    ("武汉", [("湖北省", "武汉市")]),
    ("湖北孝感", [("湖北省", "孝感市")]),
    ("温州市鹿城区", [("浙江省", "温州市")]),
    ("湖北省 武汉市", [("湖北省", "武汉市")]),
    ("湖北省黄冈市麻城市", [("湖北省", "黄冈市")]),
    ("北京朝阳区", [("北京市", None)]),  # 朝阳区, not 辽宁 朝阳市
    ("河南省信阳市、江苏省南京市", [("河南省", "信阳市"), ("江苏省", "南京市")]),
    ("恩施州", [("湖北省", "恩施土家族苗族自治州")]),
    ("无", []),
    (None, []),
])
def test_places(text, places):
    assert find_places(text) == places


def test_key_area_province_covers_its_cities():
    hubei, wenzhou = area_place("湖北省"), area_place("温州市")
    assert hubei == ("湖北省", None) and wenzhou == ("浙江省", "温州市")
    assert covers(hubei, ("湖北省", "孝感市")) and covers(hubei, ("湖北省", None))
    assert covers(wenzhou, ("浙江省", "温州市")) and not covers(wenzhou, ("浙江省", "台州市"))
    assert area_place("火星") is None


def test_hotline_address_inside_the_content():
    hotline = next(c for c in load_sources() if c.name == "hotline")
    p, s = list(hotline.address_prefixes), list(hotline.address_stops)
    assert extract_address("来电人称浦东曹路镇海尚杉丽园3幢2702住户近日从河南省郑州市回沪。", p, s) == "浦东曹路镇海尚杉丽园3幢2702"
    assert extract_address("市民反映：浦东光明三七七零弄32号405室 有外地返沪人员（河南省信阳市）", p, s) == "浦东光明三七七零弄32号405室"
    assert extract_address("反映哈雷路1249弄21号502室（近地铁站）有从浙江省温州市返沪人员", p, s) == "哈雷路1249弄21号502室"
    assert extract_address("咨询口罩预约事宜。", p, s) is None


def test_every_source_config_maps_existing_columns():
    configs = {c.name: c for c in load_sources()}
    assert set(configs) == {"checkpoint", "rail", "healthcloud", "hotline"}
    assert configs["hotline"].record_id_column == "工单编号" and not configs["hotline"].person
    assert configs["healthcloud"].column_list("travel") == ["近14天旅居史"]


def test_a_new_source_is_a_yaml_file(tmp_path):
    from fangkong.pipeline.screening.config import Rules, load_source
    from fangkong.pipeline.screening.records import (
        RECORD_COLUMNS,
        KeyArea,
        clean_partition,
        make_spec,
    )

    cfg = tmp_path / "bus.yaml"
    cfg.write_text(
        "name: bus\ntitle: 长途客运\nfiles: ['bus*.csv']\ncolumns: [到站时间, 旅客, 证件, 电话, 始发地]\n"
        "fields: {time: 到站时间, arrival: 到站时间, name: 旅客, id_number: 证件, phone: 电话, origin: [始发地]}\n",
        encoding="utf-8")
    source = load_source(cfg)
    assert source.matches("bus_0222.csv") and not source.matches("rail.csv")
    key_areas: list[KeyArea] = [("湖北省", ("湖北省", None), "2020-01-10", None)]
    spec = make_spec(source, AS_OF, key_areas, Rules())
    [row] = list(clean_partition(spec, [("3", "2020/2/20 8:00", "张三", "11010519491231002x", "+8613800138000", "湖北孝感")]))
    rec = dict(zip(RECORD_COLUMNS, row, strict=True))
    assert rec["record_id"] == "bus:3" and rec["id_valid"] == "1" and rec["id_number"] == GOOD
    assert (rec["arrival"], rec["key_area"], rec["phone"]) == ("2020-02-20", "湖北省", "13800138000")


def test_bad_config_names_the_file(tmp_path):
    from fangkong.pipeline.screening.config import ConfigError, load_rules, load_source

    bad = tmp_path / "x.yaml"
    bad.write_text("name: x\ncolumns: [a]\nfields: {name: b}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="x.yaml"):
        load_source(bad)
    bad.write_text("r1: {window_days: 0}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="window_days"):
        load_rules(bad)

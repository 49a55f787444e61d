"""A constructed screening day (AS_OF 2020-02-22) against tests/pipeline/data/standard.csv.

Every person is one rule or boundary of issue 6; ``PEOPLE`` names them so the tests can say what
each case is about.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from stdnum.cn import ric

STANDARD = Path(__file__).parent.parent / "data" / "standard.csv"
AS_OF = date(2020, 2, 22)


def make_id(first17: str) -> str:
    """A checksum-valid 18-digit ID from its first 17 digits."""
    return first17 + ric.calc_check_digit(first17 + "0")


def typo(id_number: str) -> str:
    """The same ID with one digit mistyped (the check digit then fails)."""
    d = id_number[15]
    bad = id_number[:15] + str((int(d) + 1) % 10) + id_number[16:]
    assert ric.calc_check_digit(bad) != bad[17]
    return bad


ID = {k: make_id(v) for k, v in {
    "in13": "42010219900101001", "out14": "42010219900101002", "lastday": "33030219850505003",
    "afterend": "33030219850505004", "beforestart": "33100219700707005", "managed": "42090219800808006",
    "managed_sym": "42090219800808007", "r1r2": "42110219750303008", "sym_only": "31011519600606009",
    "typo": "42010219911111010", "typo_pop": "42110219881212011", "outside": "42010219930303012",
    "outside_noaddr": "42010219940404013", "messy": "42010219950505014", "popaddr": "41150219660606015",
}.items()}

KEY_AREAS = [("湖北省", "2020-01-10", ""), ("温州市", "2020-01-25", "2020-02-21"), ("台州市", "2020-02-15", "")]
MANAGED = [(ID["managed"], "管控甲", "2020-02-16"), (ID["managed_sym"], "管控乙", "2020-02-10")]
POPULATION = [
    (ID["lastday"], "温末日", "13700000003", "A00000008"),
    (ID["typo_pop"], "错号丙", "13700000011", "A00000013"),
    (ID["popaddr"], "人口丁", "13700000015", "A00000016"),
    (make_id("31011519700101999"), "无关戊", "13700000099", "A00000017"),
]
CHECKPOINT = [  # 登记时间,道口,姓名,证件类型,证件号码,手机号码,车牌号,出发地,目的地址
    ("2020-02-09 08:00:00", "G50", "十三天", "居民身份证", ID["in13"], "13700000001", "沪A1", "湖北省武汉市", "上南路3855弄12号301室"),
    ("2020-02-08 23:59:00", "G50", "十四天", "居民身份证", ID["out14"], "13700000002", "沪A2", "武汉", "上南路3855弄12号302室"),
    ("2020-02-15 09:00:00", "G60", "管控甲", "居民身份证", ID["managed"], "13700000006", "鄂K1", "孝感", "浦东大道1522弄7号404室"),
    ("2020-02-18 10:00:00", "G60", "错号甲", "居民身份证", ID["typo"], "137 0000 0010", "鄂A1", "湖北 武汉", "杨高中路3635弄29号206室"),
    ("2020-02-20 11:00:00", "G15", "外区乙", "居民身份证", ID["outside"], "13700000012", "鄂A2", "湖北省 武汉市", "徐汇区漕溪北路88号"),
    ("202002151010", "G15", "乱码己", "居民身份证", "'" + ID["messy"].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
     "86-137-0000-0014", "鄂A3", "湖北孝感", "曹路大道407弄16号401室"),
    ("2020-02-19 12:00:00", "G15", "人口丁", "居民身份证", ID["popaddr"], "13700000015", "鄂J1", "湖北省黄冈市", ""),
]
RAIL = [  # 姓名,证件号码,车次,出发站,出发城市,到达时间,手机号
    ("温末日", ID["lastday"], "G1", "温州南", "温州", "2020/2/21 23:50", "+8613700000003"),
    ("温次日", ID["afterend"], "G2", "温州南", "浙江温州", "2020/2/22 0:10", "13700000004"),
    ("台前日", ID["beforestart"], "G3", "台州", "浙江台州", "2020/2/14 9:00", "13700000005"),
    ("错号丙", typo(ID["typo_pop"]), "G4", "黄冈东", "湖北黄冈", "2020/2/17 7:09", "137-0000-0011"),
    ("无址丁", ID["outside_noaddr"], "G5", "武汉", "湖北省武汉市", "2020/2/20 8:00", "13700000013"),
]
HEALTHCLOUD = [  # 填报时间,姓名,身份证号,手机号,居住地址,近14天旅居史,是否有症状,返沪日期
    ("2020-02-21 08:00:00", "管控乙", ID["managed_sym"], "13700000007", "民建路200弄1号101室", "无", "是", ""),
    ("2020-02-20 09:00:00", "双规则", ID["r1r2"], "13700000008", "崂山路2715弄26号102室", "湖北黄冈、江苏省南京市", "是", "2月16日"),
    ("2020-02-21 10:00:00", "只症状", ID["sym_only"].lower(), "13700000009", "东方路980号梅春新城1号1201室", "无", "是", ""),
    ("2020-02-19 11:00:00", "错号甲", typo(ID["typo"]), "+86 137 0000 0010", "杨高中路3635弄29号206室", "无", "是", ""),
]
HOTLINE = [  # 工单编号,受理时间,来电号码,诉求类别,诉求内容,诉求地址
    ("2020022100007", "2020-02-21 09:00:00", "13900000001", "疫情防控", "反映崂山路2715弄26号101室有从湖北返沪人员，请核实。", "崂山路2715弄26号101室"),
    ("2020022000005", "2020-02-20 09:00:00", "13900000002", "疫情防控", "来电人称崂山路2715弄26号101室住户近日从武汉回沪。", "崂山路2715弄26号101室"),
    ("2020022200001", "2020-02-22 09:00:00", "13900000003", "疫情防控", "市民反映：崂山路二七一五弄26号一零一室 有外地返沪人员（湖北），希望居委会落实居家观察。", ""),
    ("2020022200002", "2020-02-22 10:00:00", "13900000004", "疫情防控", "反映徐汇区漕溪北路88号有从湖北返沪人员，请核实。", "徐汇区漕溪北路88号"),
    ("2020022200003", "2020-02-22 11:00:00", "13900000005", "口罩购买", "反映上南路3855弄12号501室附近药店口罩贵。", "上南路3855弄12号502室"),
    ("2020022200004", "2020-02-22 12:00:00", "13900000006", "疫情防控", "来电人称张江路1630号孙桥花园4号402室住户从温州回沪。", ""),
]


def _write(path: Path, header: str, rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header.split(","))
        w.writerows(rows)
    return path


def build(root: Path) -> dict[str, Path]:
    """Write the day under ``root``; returns the paths run_screening needs."""
    src = root / "sources"
    src.mkdir(parents=True, exist_ok=True)
    _write(src / "checkpoint.csv", "登记时间,道口,姓名,证件类型,证件号码,手机号码,车牌号,出发地,目的地址", CHECKPOINT)
    _write(src / "rail.csv", "姓名,证件号码,车次,出发站,出发城市,到达时间,手机号", RAIL)
    _write(src / "healthcloud.csv", "填报时间,姓名,身份证号,手机号,居住地址,近14天旅居史,是否有症状,返沪日期", HEALTHCLOUD)
    _write(src / "hotline.csv", "工单编号,受理时间,来电号码,诉求类别,诉求内容,诉求地址", HOTLINE)
    return {
        "sources": src,
        "population": _write(root / "population.csv", "id_number,name,phone,address_id", POPULATION),
        "key_areas": _write(root / "key_areas.csv", "area,start_date,end_date", KEY_AREAS),
        "managed": _write(root / "managed.csv", "id_number,name,since", MANAGED),
        "standard": STANDARD,
    }

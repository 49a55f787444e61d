"""How the originating systems write things, for the screening-day generator (:mod:`.generator`):
places of origin in many spellings, messy ID numbers, phones, dates and addresses, hotline texts.

The kinds of mess follow ``../shared/data/screening_sample`` and the issue's list, plus a few the
sample does not show (a leading apostrophe on IDs, ``86-`` phones, ``202002082010`` times,
``2020/2/8`` return dates, cities of a key province that the sample never names) so that a
pipeline tuned to the sample meets something new.
"""

from __future__ import annotations

import random
from datetime import date, datetime

# --- places: (province, city, spellings, rail stations, weight) ------------------------------
PLACES: list[tuple[str, str, tuple[str, ...], tuple[str, ...], int]] = [
    ("湖北省", "武汉市", ("武汉", "武汉市江汉区", "湖北省武汉市", "湖北省 武汉市", "湖北武汉", "武汉市", "湖北省武汉市武昌区"),
     ("汉口", "武昌", "武汉"), 8),
    ("湖北省", "孝感市", ("湖北孝感", "湖北省孝感市", "孝感", "孝感市", "湖北 孝感"), ("孝感北",), 7),
    ("湖北省", "黄冈市", ("湖北省黄冈市麻城市", "湖北黄冈", "黄冈市", "黄冈"), ("黄冈东",), 7),
    ("湖北省", "黄石市", ("湖北黄石", "黄石市", "湖北省黄石市"), ("黄石北",), 2),
    ("湖北省", "宜昌市", ("湖北宜昌", "宜昌市", "湖北省宜昌市夷陵区"), ("宜昌东",), 2),
    ("河南省", "信阳市", ("河南信阳", "河南省信阳市", "信阳", "信阳市", "河南省信阳市浉河区"), ("信阳东",), 7),
    ("河南省", "郑州市", ("郑州", "河南郑州", "河南省郑州市"), ("郑州东",), 4),
    ("河南省", "南阳市", ("河南南阳", "南阳市"), ("南阳东",), 1),
    ("浙江省", "台州市", ("台州市椒江区", "浙江台州", "台州市", "台州", "浙江省台州市"), ("台州",), 7),
    ("浙江省", "温州市", ("浙江省温州市", "温州", "温州市鹿城区", "温州乐清", "浙江温州", "浙江省 温州市", "温州市瓯海区"),
     ("温州南",), 6),
    ("浙江省", "杭州市", ("浙江杭州", "浙江省杭州市", "杭州"), ("杭州东",), 4),
    ("浙江省", "宁波市", ("浙江宁波", "宁波市"), ("宁波",), 2),
    ("广东省", "广州市", ("广东省广州市", "广州"), ("广州南",), 4),
    ("山东省", "济南市", ("山东济南", "济南市"), ("济南西",), 4),
    ("湖南省", "长沙市", ("湖南长沙", "长沙市"), ("长沙南",), 4),
    ("江西省", "南昌市", ("江西省南昌市", "南昌"), ("南昌西",), 4),
    ("安徽省", "合肥市", ("安徽合肥", "安徽省合肥市", "合肥"), ("合肥南",), 4),
    ("江苏省", "南京市", ("江苏省南京市", "江苏南京", "南京"), ("南京南",), 4),
    ("四川省", "成都市", ("四川省成都市", "成都"), ("成都东",), 4),
    ("北京市", "北京市", ("北京", "北京朝阳区", "北京市"), ("北京南",), 4),
]
PLACE_WEIGHTS = [p[4] for p in PLACES]
CHECKPOINTS = ("G2京沪高速安亭道口", "G15沈海高速朱桥道口", "G40沪陕高速崇启大桥道口", "G50沪渝高速金泽道口",
               "G60沪昆高速枫泾道口")
PLATE_PROVINCES = "沪浙苏皖鄂豫赣湘"
OUTSIDE = ("宝山区牡丹江路", "黄浦区人民大道", "徐汇区漕溪北路", "静安区南京西路", "长宁区天山路", "闵行区莘庄镇莘建路",
           "嘉定区城中路", "松江区中山中路", "苏州市工业园区星湖街", "杭州市西湖区文三路", "昆山市前进西路",
           "南京市鼓楼区中山北路")
HOTLINE_OTHER = (("口罩购买", 55), ("物价", 25), ("市容环境", 20))
HOTLINE_OTHER_TEXT = ("咨询口罩预约事宜。", "反映药店口罩价格过高。", "反映小区垃圾未及时清运。")
HOTLINE_TEMPLATES = (
    "来电人称{a}住户近日从{p}回沪，经常外出，要求社区上门核查。",
    "反映{a}有从{p}返沪人员，未按要求居家隔离，请核实。",
    "市民反映：{a} 有外地返沪人员（{p}），希望居委会落实居家观察。",
)

CN = "零一二三四五六七八九"
HOMOPHONE = {"东": "冬", "民": "明", "新": "心", "南": "楠", "杨": "扬", "林": "琳", "华": "化", "园": "圆"}
_FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def key_periods(as_of: date) -> list[tuple[str, date, date | None]]:
    """The key-area list of the day, dated relative to AS_OF as in the sample (2020-02-22):
    a province still active, a city that ended yesterday, one still active, one that ended 4 days ago."""
    from datetime import timedelta as td

    return [("湖北省", as_of - td(days=43), None), ("温州市", as_of - td(days=28), as_of - td(days=1)),
            ("信阳市", as_of - td(days=28), None), ("台州市", as_of - td(days=25), as_of - td(days=4))]


def is_key(place: int, day: date, periods: list[tuple[str, date, date | None]]) -> bool:
    province, city = PLACES[place][0], PLACES[place][1]
    return any(area in (province, city) and start <= day and (end is None or day <= end)
               for area, start, end in periods)


def place_text(rng: random.Random, place: int) -> str:
    return rng.choice(PLACES[place][2])


# --- IDs, phones, dates ---------------------------------------------------------------------
def messy_id(rng: random.Random, id_number: str) -> str:
    x = rng.random()
    if x < 0.84:
        return id_number
    if x < 0.90:
        return id_number.replace("X", "x") if id_number.endswith("X") else id_number
    if x < 0.94:
        return f"{id_number[:6]} {id_number[6:14]} {id_number[14:]}"
    if x < 0.975:
        return id_number.translate(_FW)
    return "'" + id_number


def typo_id(rng: random.Random, id_number: str) -> str:
    """One digit of the first 17 mistyped: the checksum always fails (11 is prime, no weight is 0)."""
    i = rng.randrange(6, 17)
    d = str((int(id_number[i]) + rng.randrange(1, 10)) % 10)
    return id_number[:i] + d + id_number[i + 1:]


def messy_phone(rng: random.Random, phone: str) -> str:
    x = rng.random()
    if x < 0.79:
        return phone
    if x < 0.89:
        return "+86" + phone
    if x < 0.94:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if x < 0.99:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return "86-" + phone


def ts_iso(t: datetime) -> str:
    return t.isoformat(" ")  # seconds and microseconds are 0: "2020-02-08 20:10:00"


def ts_slash(t: datetime) -> str:
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"


def checkpoint_time(rng: random.Random, t: datetime) -> str:
    x = rng.random()
    return ts_iso(t) if x < 0.96 else t.strftime("%Y%m%d%H%M") if x < 0.98 else ts_slash(t)


def rail_time(rng: random.Random, t: datetime) -> str:
    return ts_slash(t) if rng.random() < 0.95 else t.strftime("%Y-%m-%d %H:%M:00")


def return_date(rng: random.Random, d: date) -> str:
    x = rng.random()
    return d.isoformat() if x < 0.6 else f"{d.month}月{d.day}日" if x < 0.95 else f"{d.year}/{d.month}/{d.day}"


# --- addresses ------------------------------------------------------------------------------
def _cn_digits(n: str) -> str:
    return "".join(CN[int(d)] for d in n)


def _cn_word(n: str) -> str:
    v = int(n)
    if not 0 < v < 100:
        return _cn_digits(n)
    tens, ones = divmod(v, 10)
    return (("" if tens == 1 else CN[tens]) + "十" if tens else "") + (CN[ones] if ones else "")


def _num(rng: random.Random, n: str, words: bool = True) -> str:
    if not n.isdigit():
        return n
    x = rng.random()
    if x < 0.72:
        return n
    if x < 0.82:
        return n.translate(_FW)
    if x < 0.92:
        return _cn_digits(n)
    if x < 0.97 and words:
        return _cn_word(n)
    return n[:-1] + " " + n[-1] if len(n) > 2 else n


def messy_address(rng: random.Random, town: str, committee: str, road: str, lane: str, number: str,
                  compound: str, building: str, room: str) -> str:
    """A room of the standard file written the way people write it (see the module docstring)."""
    if rng.random() < 0.04:
        road = "".join(HOMOPHONE.get(c, c) if rng.random() < 0.5 else c for c in road)
    r = _num(rng, room, words=False)
    rs = rng.choice(("室", "室", "", " 室"))
    if lane:
        lw, nw = _num(rng, lane), _num(rng, number)
        core = rng.choice((
            f"{road}{lw}弄{nw}号{r}{rs}", f"{road}{lw}弄{nw}-{r}", f"{compound}{nw}号{r}{rs}",
            f"{road}{lw}弄{nw}号楼{r}", f"{road}{lw}弄{compound}{nw}号{r}{rs}", f"{compound}{nw}栋{r}",
            f"{compound}{nw}幢{r}{rs}",
        ))
    else:
        nw, bw = _num(rng, number), _num(rng, building)
        core = rng.choice((
            f"{road}{nw}号{bw}号楼{r}{rs}", f"{compound}{bw}幢{r}{rs}", f"{compound}{bw}-{r}",
            f"{road}{nw}号{compound}{bw}栋{r}{rs}", f"{compound}{bw}号楼 {r}", f"{compound}{bw}号楼{r}{rs}",
        ))
    if rng.random() < 0.03:  # a stray space inside a name or number (石家 街, 1 383弄)
        cut = rng.randrange(1, len(core))
        core = core[:cut] + " " + core[cut:]
    short = town[:-2] if town.endswith("街道") else town[:-1] if town.endswith("镇") else town
    prefix = rng.choice(("", "", "上海市", "浦东新区", "上海市浦东新区", "上海浦东新区", "浦东", "上海"))
    mid = rng.choice(("", "", town, short, committee))
    text = prefix + mid + core
    if rng.random() < 0.08:
        text = text.translate(_FW)
    x = rng.random()
    if x < 0.04:
        text = rng.choice(("现住", "住址：", "居住地址:", "家住")) + text
    elif x < 0.07:
        text = f"{rng.choice('王张李刘陈')}{rng.choice(('女士', '先生'))} 13{rng.randrange(10**9):09d} {text}"
    elif x < 0.10:
        text += rng.choice(("（近小学）", "附近", "（近菜场）"))
    return text


def outside_address(rng: random.Random) -> str:
    base = rng.choice(OUTSIDE)
    text = f"{base}{rng.randrange(1, 3000)}号"
    if rng.random() < 0.4:
        text = f"{base}{rng.randrange(1, 900)}弄{rng.randrange(1, 40)}号{rng.randrange(1, 20)}0{rng.randrange(1, 5)}室"
    if "区" in base[:4] and rng.random() < 0.4:
        text = "上海市" + text
    return text

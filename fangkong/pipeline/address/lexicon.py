"""Words every address lexicon knows, whatever the standard database: prefixes (also old
names such as 南汇区), other districts and provinces (places outside Pudong), stray words."""

from __future__ import annotations

PREFIX = "prefix"
OUTSIDE = "outside"
STRAY = "stray"
TOWN = "town"
COMMITTEE = "committee"
ROAD = "road"
COMPOUND = "compound"

# surface → note (why it is a prefix)
PREFIXES: dict[str, str] = {
    "中国": "",
    "中华人民共和国": "",
    "上海市": "",
    "上海": "",
    "浦东新区": "",
    "浦东新": "",
    "浦东区": "",
    "浦东": "",
    "新区": "",
    "南汇区": "旧区名南汇区",
    "南汇县": "旧区名南汇县",
    "南汇": "旧区名南汇",
    "川沙县": "旧县名川沙县",
    "市辖区": "",
}

OUTSIDE_PLACES = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区", "崇明县", "闸北区", "卢湾区", "南市区", "北京市", "天津市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "苏州市", "杭州市", "南京市", "无锡市", "常州市", "宁波市", "嘉兴市", "湖州市", "绍兴市", "南通市", "昆山市", "太仓市", "合肥市", "广州市", "深圳市", "武汉市", "成都市", "北京", "苏州", "杭州", "南京", "无锡", "宁波", "昆山", "太仓", "嘉兴", "南通"]

STRAY_WORDS = ["家住", "住在", "现住", "现居", "居住在", "居住", "附近", "旁边", "对面", "隔壁", "门口", "楼下", "地铁站", "菜场", "菜市场", "超市", "小区", "大楼", "本人", "联系", "路口", "交叉口", "东侧", "西侧", "南侧", "北侧", "近", "在"]

# Suffixes people drop from road names (longest first).
ROAD_SUFFIXES = ("公路", "大道", "中路", "东路", "西路", "南路", "北路", "支路", "路", "街")
TOWN_SUFFIXES = ("街道", "新镇", "镇", "乡")
COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会", "村委会", "居委", "村委", "社区")


def generic_lexicon() -> dict[str, tuple[tuple[str, int, str], ...]]:
    lex: dict[str, list[tuple[str, int, str]]] = {}
    for word, note in PREFIXES.items():
        lex.setdefault(word, []).append((PREFIX, -1, note))
    for word in OUTSIDE_PLACES:
        lex.setdefault(word, []).append((OUTSIDE, -1, word))
    for word in STRAY_WORDS:
        lex.setdefault(word, []).append((STRAY, -1, ""))
    return {k: tuple(v) for k, v in lex.items()}

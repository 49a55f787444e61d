"""Text normalisation for Chinese addresses: width, traditional characters, punctuation,
spaces, phone numbers and names mixed in, and Chinese numerals.

Plain Python (no Django). ``normalize`` is idempotent; numerals are converted later, by the
lexer, because names such as 上南一村 or 千汇四村 contain numeral characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

# Traditional → simplified, one character at a time, from OpenCC's table (Apache-2.0, shipped
# in the opencc-python-reimplemented wheel). A small built-in table keeps addresses working
# when the package is missing.
_FALLBACK_TS = dict(
    zip(
        "號樓區園門東華寶豐達陽雲張陳劉楊黃吳鄭趙孫錢馮蔣韓謝鄧廣場鄉鎮莊灣島濱橋灘滬蘇錦繡麗萬鳳龍鶴鵬馬騰飛榮興國際貿聯發開縣鐵車線層單廈廳館戶閣軒條長匯陸羅歐臨環遠藍綠紅紫銀鋼韻濟濤潤澤濰懷書會棟橫歸氣無營眾碼禮種積築範紀納經綜練總織續義聖聞聰與舉藝節葉蘭處衛裝親觀訂記話誠語課證讀變貴資賓賢質農這連進運過遠選邊還醫釋鈴銘鋒鍵鎖鏈鐘閣關陽隊際險雙雞難電靈靜響順預頭題額類顧顯風飯館馨鴻鹽麥點黨齊",
        "号楼区园门东华宝丰达阳云张陈刘杨黄吴郑赵孙钱冯蒋韩谢邓广场乡镇庄湾岛滨桥滩沪苏锦绣丽万凤龙鹤鹏马腾飞荣兴国际贸联发开县铁车线层单厦厅馆户阁轩条长汇陆罗欧临环远蓝绿红紫银钢韵济涛润泽潍怀书会栋横归气无营众码礼种积筑范纪纳经综练总织续义圣闻聪与举艺节叶兰处卫装亲观订记话诚语课证读变贵资宾贤质农这连进运过远选边还医释铃铭锋键锁链钟阁关阳队际险双鸡难电灵静响顺预头题额类顾显风饭馆馨鸿盐麦点党齐",
        strict=True,
    )
)


@cache
def _ts_table() -> dict[int, str]:
    table = {ord(k): v for k, v in _FALLBACK_TS.items()}
    try:
        import opencc  # type: ignore[import-untyped]

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 2 and len(parts[0]) == 1:
                    simp = parts[1].split(" ")[0]
                    if len(simp) == 1:
                        table[ord(parts[0])] = simp
    except (ImportError, OSError):
        pass
    # Characters that are both simplified and traditional forms in OpenCC but are plain
    # simplified characters in Shanghai addresses: keep them.
    for ch in "著乾":
        table.pop(ord(ch), None)
    return table


_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
_PERSON_RE = re.compile(r"[\u4e00-\u9fff]{1,3}(?:先生|女士|小姐|阿姨|师傅|老师|大爷|大妈)")
_LABEL_RE = re.compile(r"(?:居住地址|现住址|家庭住址|联系地址|详细地址|住址|地址|联系人|联系电话|电话|手机号?|姓名)[:：]?")
_PAREN_RE = re.compile(r"[(\[{【（][^()\[\]{}【】（）]*[)\]}】）]")
_DASHES_RE = re.compile(r"[‐-―−～~﹣－_]+")
_PUNCT_RE = re.compile(r"[,，。.;；:：、/\\|'\"“”‘’!！?？*＊·•<>《》+=]+")
_CJK = r"\u3400-\u9fff"
_SPACE_CJK_RE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_DIGIT_CJK_RE = re.compile(rf"(?<=\d)\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+(?=\d)")
_SPACES_RE = re.compile(r"\s+")
_SPACE_DASH_RE = re.compile(r"\s*-\s*")


@cache
def _trad_chars() -> frozenset[str]:
    return frozenset(chr(c) for c in _ts_table())


def _esc(cp: int) -> str:
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def _charset(chars: Iterable[str]) -> str:
    """A regex character class written as ranges (a class of single characters is slow)."""
    cps = sorted(set(map(ord, chars)))
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(_esc(cps[i]) + ("-" + _esc(cps[j]) if j > i else ""))
        i = j + 1
    return "[" + "".join(parts) + "]"


@cache
def _trad_re() -> re.Pattern[str]:
    return re.compile(_charset(_trad_chars()))


@cache
def _trad_bmp_re() -> re.Pattern[str]:
    # a class of BMP characters only is a bitmap look-up; one with supplementary characters is
    # a linear scan of its ranges for every character (30x slower)
    return re.compile(_charset(ch for ch in _trad_chars() if ord(ch) <= 0xFFFF))


_NON_BMP = re.compile("[\U00010000-\U0010ffff]")


def _has_trad(s: str) -> bool:
    return _trad_bmp_re().search(s) is not None or (_NON_BMP.search(s) is not None and _trad_re().search(s) is not None)


_NEEDS_PAREN = re.compile(r"[(\[{【（]")
_NEEDS_PHONE = re.compile(r"\d(?:\d{6}|[- ]\d{4})")
_NEEDS_LABEL = re.compile(r"[址话机名系]")
_NEEDS_PERSON = re.compile(r"先生|女士|小姐|阿姨|师傅|老师|大爷|大妈")
_NEEDS_DASH = re.compile(r"[‐-―−～~﹣－_]")
_NEEDS_ANY = re.compile(r"[(\[{【（址话机名系‐-―−～~﹣－_]|\d(?:\d{6}|[- ]\d{4})|先生|女士|小姐|阿姨|师傅|老师|大爷|大妈")
_PLAIN = re.compile(rf"[{_CJK}0-9a-z-]*")


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    if _has_trad(s):
        s = s.translate(_ts_table())
    if "#" in s or "〇" in s:
        s = s.replace("#", " ").replace("〇", "零")
    # each pass only when its cheap guard says it can change something (one search for all)
    if _NEEDS_ANY.search(s):
        if _NEEDS_PAREN.search(s):
            s = _PAREN_RE.sub(" ", s)
        if _NEEDS_PHONE.search(s):
            s = _PHONE_RE.sub(" ", s)
        if _NEEDS_LABEL.search(s):
            s = _LABEL_RE.sub(" ", s)
        if _NEEDS_PERSON.search(s):
            s = _PERSON_RE.sub(" ", s)
        if _NEEDS_DASH.search(s):
            s = _DASHES_RE.sub("-", s)
    if _PLAIN.fullmatch(s):
        return s.strip("-")
    s = _PUNCT_RE.sub(" ", s)
    s = _SPACES_RE.sub(" ", s).strip()
    if " " in s:
        s = _SPACE_DASH_RE.sub("-", s)
        s = _SPACE_CJK_RE.sub("", s)
        s = _SPACE_DIGIT_CJK_RE.sub("", s)
    return s.strip("- ")


@cache
def _already_clean() -> re.Pattern[str]:
    """Strings that ``_clean`` returns unchanged, recognised by one regex: ASCII digits and
    CJK unified ideographs (NFKC-stable) other than traditional forms and the characters the
    label and person passes look for; a phone number is looked for separately."""
    banned = _trad_chars() | set("址话机名系生士姐姨傅师爷妈")
    return re.compile(_charset([str(d) for d in range(10)] + [chr(c) for c in range(0x4E00, 0xA000) if chr(c) not in banned]) + "+")


def _is_clean(s: str) -> bool:
    """True only when ``_clean(s) == s`` (a fast sufficient test)."""
    return _already_clean().fullmatch(s) is not None and _NEEDS_PHONE.search(s) is None


def normalize(text: str) -> str:
    """Canonical form of an address string (idempotent: normalize(normalize(x)) == normalize(x))."""
    if text and _is_clean(text):
        return text
    s = _clean(text or "")
    if s == text:
        return s
    for _ in range(4):  # removals can create new adjacencies; iterate to a fixed point
        if _is_clean(s):
            break
        t = _clean(s)
        if t == s:
            break
        s = t
    return s


# --- Chinese numerals -------------------------------------------------------------------
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "幺": 1}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)
_CN_UNIT_SET = frozenset(CN_UNITS)
_CN_DIGIT_TABLE = {ord(k): str(v) for k, v in CN_DIGITS.items()}


def cn_to_int_str(run: str) -> str:
    """三八五五 → 3855 (digit by digit), 三十四 → 34, 十二 → 12, 一百零三 → 103.

    A run that cannot be read returns unchanged.
    """
    if not run:
        return run
    if _CN_UNIT_SET.isdisjoint(run):
        digits = run.translate(_CN_DIGIT_TABLE)
        return digits if digits.isdigit() else run
    total, section, digit = 0, 0, -1
    for ch in run:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if unit == 10000:
                total = (total + section + max(digit, 0)) * unit
                section = 0
            else:
                section += (1 if digit < 0 else digit) * unit
            digit = -1
        else:
            return run
    return str(total + section + max(digit, 0))


NUMBER_MARKERS = ("支弄", "单元", "号楼", "弄", "号", "幢", "栋", "座", "楼", "层", "室", "房", "户", "门")
_MARKER_FIRST = {m[0] for m in NUMBER_MARKERS}
_CN_SET = frozenset(CN_NUMERAL_CHARS)
_CN_RUN_RE = re.compile(f"[{CN_NUMERAL_CHARS}]+")
_CN_CHAR_RE = re.compile(f"[{CN_NUMERAL_CHARS}]")


def convert_numerals(gap: str) -> str:
    """Convert Chinese numeral runs that stand where a number stands: next to a marker
    (弄/号/室/…), a dash, a digit or the end; leave them inside names (上南三村, 三林)."""

    if not _CN_CHAR_RE.search(gap):
        return gap

    def repl(m: re.Match[str]) -> str:
        before = gap[m.start() - 1] if m.start() > 0 else ""
        after = gap[m.end()] if m.end() < len(gap) else ""
        numeric_after = after == "" or after in _MARKER_FIRST or after in "- " or after.isdigit()
        numeric_before = before != "" and (before in _MARKER_FIRST or before in "- " or before.isdigit())
        run = m.group(0)
        if run == "万":
            return run
        if numeric_after or numeric_before:
            return cn_to_int_str(run)
        return run

    return _CN_RUN_RE.sub(repl, gap)

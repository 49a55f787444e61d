"""Cleaning the messy exports: ID numbers, phones, dates and hotline addresses.

Each function returns the cleaned value and a list of :class:`Problem` s (a kind, a message in
Chinese); it never raises on bad input. The kinds are counted per source in the quality report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from stdnum.cn import ric


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    message: str


_QUOTES = "'‘’`\"“”"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def _half(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def clean_id(raw: str | None, as_of: date | None = None) -> tuple[str | None, bool, list[Problem]]:
    """→ (normalised ID or None, checksum-valid, problems).

    Valid means: 18 characters (17 digits and a digit or X), a real birth date not after
    ``as_of``, and the ISO 7064 MOD 11-2 check digit (python-stdnum's ``calc_check_digit``). The
    birthplace code is not checked (``ric.is_valid`` rejects codes such as 310115 that
    stdnum's table does not know).
    """
    if raw is None or not raw.strip():
        return None, False, [Problem("id_missing", "证件号码为空")]
    problems: list[Problem] = []
    text = _half(raw).strip()
    if text != raw.strip():
        problems.append(Problem("id_fullwidth", "证件号码含全角字符，已转换"))
    if text[:1] in _QUOTES:
        problems.append(Problem("id_apostrophe", "证件号码前有撇号（表格文本格式），已去除"))
    text = text.strip(_QUOTES)
    compact = re.sub(r"[\s\-]", "", text)
    if compact != text:
        problems.append(Problem("id_spaces", "证件号码含空格或连字符，已去除"))
    if "x" in compact:
        problems.append(Problem("id_lowercase_x", "证件号码末位为小写 x，已改为 X"))
    value = compact.upper()
    if not _ID_SHAPE.fullmatch(value):
        problems.append(Problem("id_format", "证件号码不是 18 位身份证号"))
        return value or None, False, problems
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        problems.append(Problem("id_birth_date", "证件号码中的出生日期不存在"))
        return value, False, problems
    if born.year < 1900 or (as_of is not None and born > as_of):
        problems.append(Problem("id_birth_date", "证件号码中的出生日期不合理"))
        return value, False, problems
    if ric.calc_check_digit(value) != value[17]:  # it takes the whole number
        problems.append(Problem("id_checksum", "证件号码校验位不符（可能有一位录错），按姓名+手机号关联"))
        return value, False, problems
    return value, True, problems


_PHONE_PREFIX = re.compile(r"^(?:\+?0{0,2}86)(?=1\d{10}$)")


def clean_phone(raw: str | None) -> tuple[str | None, list[Problem]]:
    """→ (11-digit mobile number or None, problems): +86, 86-, dashes, spaces removed."""
    if raw is None or not raw.strip():
        return None, [Problem("phone_missing", "手机号为空")]
    text = _half(raw).strip().strip(_QUOTES)
    digits = re.sub(r"[\s\-()（）]", "", text)
    problems: list[Problem] = []
    if digits != text:
        problems.append(Problem("phone_separators", "手机号含空格、连字符或括号，已去除"))
    stripped = _PHONE_PREFIX.sub("", digits)
    if stripped != digits:
        problems.append(Problem("phone_country_code", "手机号带国家代码 +86，已去除"))
    if re.fullmatch(r"1[3-9]\d{9}", stripped):
        return stripped, problems
    problems.append(Problem("phone_invalid", "手机号不是 11 位手机号码"))
    return None, problems


_FULL = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2})秒?)?)?$"
)
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_NO_YEAR = re.compile(
    r"(?P<m>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*[日号]?(?:[\sT]*(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2}))?)?$"
)


def parse_datetime(raw: str | None, as_of: date) -> tuple[datetime | None, list[Problem]]:
    """``2020-02-08 20:10:00``, ``2020/2/8 20:10``, ``202002082010``, ``2月8日`` (year from
    ``as_of``: the latest such date not after it) … → (datetime or None, problems)."""
    if raw is None or not raw.strip():
        return None, []
    text = raw.strip()
    if len(text) in (10, 19) and text[4:5] == "-" and text[7:8] == "-" and text.isascii():
        try:  # the common ISO case, without the regular expressions
            return _checked(datetime.fromisoformat(text), as_of, [])
        except ValueError:
            pass
    text = _half(text)
    problems: list[Problem] = []
    m = _FULL.match(text) or _COMPACT.match(text)
    year: int | None = None
    if m is None:
        m = _NO_YEAR.match(text)
        if m is None:
            return None, [Problem("date_unparsed", "日期无法识别")]
        problems.append(Problem("date_no_year", "日期未写年份，按统计日推定"))
    else:
        year = int(m["y"])
    try:
        hour, minute, second = (int(m[k]) if m[k] else 0 for k in ("H", "M", "S"))
        if year is None:
            value = datetime(as_of.year, int(m["m"]), int(m["d"]), hour, minute, second)
            if value.date() > as_of:
                value = value.replace(year=as_of.year - 1)
        else:
            value = datetime(year, int(m["m"]), int(m["d"]), hour, minute, second)
    except ValueError:
        return None, [*problems, Problem("date_invalid", "日期不存在")]
    return _checked(value, as_of, problems)


def _checked(value: datetime, as_of: date, problems: list[Problem]) -> tuple[datetime, list[Problem]]:
    if value.date() > as_of:
        problems.append(Problem("date_future", "日期晚于统计日"))
    elif value.date() < as_of - timedelta(days=366):
        problems.append(Problem("date_old", "日期早于统计日一年以上"))
    return value, problems


def extract_address(content: str | None, prefixes: list[str], stops: list[str]) -> str | None:
    """The address span inside a hotline text: after the longest matching lead-in phrase
    (``来电人称``, ``市民反映：`` …), up to the first stop phrase (``住户``, ``有从`` …)."""
    if not content:
        return None
    text = content.strip()
    found = [(i, -len(p), p) for p in prefixes if (i := text.find(p)) >= 0]
    if not found:
        return None  # no lead-in: a consultation, not a report about a place
    i, _, p = min(found)
    rest = text[i + len(p):]
    end = len(rest)
    for s in stops:
        j = rest.find(s)
        if 0 < j < end:
            end = j
    span = rest[:end].strip(" ：:，,。")
    return span if 4 <= len(span) <= 80 else None

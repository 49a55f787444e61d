"""Search keys: how a room and a typed query become strings that compare as prefixes.

This module owns the one normalisation applied to both sides (rows at import, queries at
search time), so that whatever a resident types reduces to a prefix of the key of the rooms
they mean. Plain Python, no Django import.

A key is the canonical spelling of an address with every number *length-prefixed*
(``302`` → ``3302``, ``12`` → ``212``): byte order of such keys is natural numeric order
(2号 before 10号, room 902 before 1001), so one B-tree range scan returns rooms best-first and
can stop after 20 rows. Canonical spelling:

- lane-style rooms: ``<road><lane>号<number>号<room>`` and ``<compound><number>号<room>``
- building-style rooms: ``<road><number>号<building>号<room>`` and ``<compound><building>号<room>``

弄, 号楼, 幢, 栋, 座, ``#``, ``-`` and spaces between numbers all become 号, so ``3855弄12-302``,
``3855弄12号302室`` and ``3855 12 302`` are one spelling. In the shared data no (road, lane)
collides with a (road, number); if one ever does, both simply show up in the suggestions.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fangkong.pipeline.address.normalize import cn_to_int_str

SEP = "号"
# Longest number a typed partial number is extended to (lanes, house numbers, rooms have <= 4
# digits in Pudong's data; one more for safety). Each extra length costs one more index probe.
MAX_DIGITS = 5
MIN_QUERY_CHARS = 2

ORG_FILE = Path(__file__).resolve().parents[1] / "orgs" / "data" / "pudong_divisions.csv"

# Chinese numerals count only right before an address marker, so names such as 三林路 stay.
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|弄|幢|栋|座|室)")
_BRACKETED = re.compile(r"[(\[【〔][^)\]】〕]*[)\]】〕]")
_MARKER = re.compile(r"(?<=\d)\s*(?:号楼|号|弄|幢|栋|座|#)")
_PUNCT_CLASS = r"[\s\-_/\\.~—–·,，、:：;；*+]"
_BETWEEN_NUMBERS = re.compile(rf"(?<=\d){_PUNCT_CLASS}+(?=\d)")
_TRAILING_DASH = re.compile(r"(?<=\d)[-_/~—–]+\s*$")
_ROOM_SUFFIX = re.compile(r"(?<=\d)\s*室")
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
_TRAILING_DIGITS = re.compile(r"\d+$")
# "<road><number>号<compound>…": the standard label of a building-style room, pasted whole.
_ROAD_THEN_COMPOUND = re.compile(r"^\D+?\d+号(?P<tail>\D{2}.*)$")
_FIXED_PREFIXES = re.compile(r"^(?:中国)?(?:上海市|上海(?=浦东))?(?:浦东新区)?")


def _cn_to_digits(text: str) -> str:
    """三零二 → 302 (digit by digit), 十二 → 12: the address engine's reading of numerals."""
    return cn_to_int_str(text.replace("〇", "零"))


@cache
def _town_names() -> tuple[str, ...]:
    """Full town names (周家渡街道, 三林镇), longest first; a bare 三林 could start a road name."""
    try:
        with open(ORG_FILE, newline="", encoding="utf-8-sig") as fh:
            names = {row["town"].strip() for row in csv.DictReader(fh) if row.get("town")}
    except FileNotFoundError:
        return ()
    return tuple(sorted(names, key=len, reverse=True))


def _strip_prefixes(text: str) -> str:
    text = _FIXED_PREFIXES.sub("", text, count=1)
    for name in _town_names():
        if text.startswith(name):
            return text[len(name) :]
    return text


def normalise(text: str) -> str:
    """The canonical spelling of an address or of what someone typed (see module docstring).

    ``上海市浦东新区 上南路３８５５弄12-302室`` → ``上南路3855号12号302``.
    """
    s = unicodedata.normalize("NFKC", text).upper()
    without_brackets = _BRACKETED.sub("", s)
    if without_brackets.strip():
        s = without_brackets  # "上南路3855弄12号302室（齐河柏公寓）": the compound adds nothing
    s = _CN_NUMBER.sub(lambda m: _cn_to_digits(m.group()), s)
    s = _MARKER.sub(SEP, s)
    s = _BETWEEN_NUMBERS.sub(SEP, s)
    s = _TRAILING_DASH.sub(SEP, s)
    s = _ROOM_SUFFIX.sub("", s)
    s = _NON_WORD.sub("", s)
    return _strip_prefixes(s)


def _encode_number(digits: str) -> str:
    digits = digits.lstrip("0") or "0"
    return chr(ord("0") + len(digits)) + digits


def encode(canonical: str) -> str:
    """Length-prefix every number so byte order is natural order: ``上南路3855号12`` → ``上南路43855号212``."""
    return _DIGITS.sub(lambda m: _encode_number(m.group()), canonical)


@lru_cache(maxsize=65536)
def _part(text: str) -> str:
    # Names and numbers repeat across thousands of rooms: normalise each distinct one once.
    return normalise(text)


def _join(*parts: str) -> str:
    return SEP.join(p for p in parts if p)


def row_keys(
    *, road: str, lane: str, number: str, compound: str, building: str, room: str
) -> tuple[str, str]:
    """(road_key, compound_key) of a room: ``encode(normalise(...))`` of its two spellings."""
    road_n, compound_n = _part(road), _part(compound)
    lane_n, number_n, building_n, room_n = _part(lane), _part(number), _part(building), _part(room)
    if lane_n:
        road_key = road_n + _join(lane_n, number_n, room_n)
        compound_key = compound_n + _join(number_n, room_n)
    else:
        road_key = road_n + _join(number_n, building_n, room_n)
        compound_key = compound_n + _join(building_n, room_n)
    return encode(road_key), encode(compound_key) if compound_n else ""


def standard_label(
    *, road: str, lane: str, number: str, compound: str, building: str, room: str
) -> str:
    """The label of the standard-address format (see data README)."""
    if lane:
        return f"{road}{lane}弄{number}号{room}室"
    return f"{road}{number}号 {compound} {building}号楼 {room}室"


@dataclass(frozen=True)
class KeyRange:
    """``lo <= key < hi``; ``rank`` 0 = the typed number is complete, 1 = one digit more, ..."""

    rank: int
    lo: str
    hi: str


def _successor(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF or last > 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last)


def key_ranges(canonical: str) -> list[KeyRange]:
    """Key ranges holding every key that starts with what was typed, best first.

    A trailing number may still be growing (``…12号3`` could become 302 or 3001), and its
    length prefix is unknown: one range per possible length, shortest (= exact) first.
    """
    match = _TRAILING_DIGITS.search(canonical)
    if match is None:
        prefix = encode(canonical)
        return [KeyRange(0, prefix, _successor(prefix))]
    head = encode(canonical[: match.start()])
    digits = match.group().lstrip("0") or "0"
    ranges = []
    for length in range(len(digits), max(len(digits), MAX_DIGITS) + 1):
        prefix = head + chr(ord("0") + length) + digits
        ranges.append(KeyRange(length - len(digits), prefix, _successor(prefix)))
    return ranges


@dataclass(frozen=True)
class QueryForm:
    canonical: str
    compound_only: bool = False


def query_forms(q: str) -> list[QueryForm]:
    """The spellings to look up for a typed query; empty when too short to be worth a look-up."""
    canonical = normalise(q)
    if len(canonical) < MIN_QUERY_CHARS:
        return []
    forms = [QueryForm(canonical)]
    pasted = _ROAD_THEN_COMPOUND.match(canonical)
    if pasted:
        # "陆家嘴环路1309号 上南康公馆 1号楼 101室": the part from the compound on is a compound key.
        forms.append(QueryForm(pasted.group("tail"), compound_only=True))
    return forms

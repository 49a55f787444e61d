"""Parser: free-text address → tokens → components.

Names (prefixes, towns, committees, roads, compounds) are found by a dictionary segmentation
(fewest unknown characters, then fewest words) over a ``Lexicon``; with the standard
database's lexicon (``Index.lexicon``) ambiguity such as a town name that is also a road name
or a prefix that runs into a compound name is resolved against the database, not by regex.
Between names, numbers are read with their markers (弄, 支弄, 号, 号楼/幢/栋/座, 单元, 层, 室)
and dash/space notations (12-302, 3-502室, 12 302).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon as lx
from .english import english_to_chinese, looks_english
from .normalize import convert_numerals, normalize

Entry = tuple[str, int, str]  # (kind, id, note)


class Lexicon:
    """Surface string → entries, with a first-character table of word lengths for the scan."""

    def __init__(self, words: dict[str, tuple[Entry, ...]]):
        self.words = words
        # every proper prefix of a word: the scan stops extending as soon as it leaves this set
        self.prefixes = {w[:k] for w in words for k in range(1, len(w))}
        self.firsts = frozenset(w[0] for w in words)
        self.cache: dict[str, list[tuple[int, int, tuple[Entry, ...]]]] = {}
        # Words known only as a shortened form (东方 for 东方路): on a tie, a segmentation
        # with full names wins (浦东|南北新村 over 浦东南|北新村).
        self.shortened = {w for w, es in words.items() if all(e[2] and e[0] in (lx.ROAD, lx.TOWN) for e in es)}

    @classmethod
    def generic(cls) -> Lexicon:
        return cls(lx.generic_lexicon())


@dataclass(slots=True)
class Token:
    kind: str  # "name", "num", "text"
    surface: str
    entries: tuple[Entry, ...] = ()
    value: str = ""  # numbers: digits without leading zeros
    marker: str = ""  # numbers: 弄/号/号楼/单元/层/室/... or ""
    sep: str = ""  # numbers: "-" or " " when joined to the previous number by a dash or space


_NUM_RE = re.compile(r"(\d+)(支弄|单元|号楼|弄|号|幢|栋|座|楼|层|室|房|户|门)?")
_BUILDING_MARKERS = {"号楼", "幢", "栋", "座"}


_DIGIT_RUN = re.compile(r"[0-9]+")


def _segment(s: str, lexicon: Lexicon) -> list[tuple[int, int, tuple[Entry, ...]]]:
    """Segmentation of each run between digits (names never contain digits), memoised per run."""
    cache = lexicon.cache
    spans: list[tuple[int, int, tuple[Entry, ...]]] = []
    start = 0
    for part in _DIGIT_RUN.split(s):
        if part:
            hit = cache.get(part)
            if hit is None:
                if len(cache) > 200_000:
                    cache.clear()
                hit = cache[part] = _greedy_run(part, lexicon) or _segment_run(part, lexicon)
            if start:
                spans.extend([(start + a, start + b, e) for a, b, e in hit])
            else:
                spans.extend(hit)
        start += len(part)
        m = _DIGIT_RUN.match(s, start)
        if m:
            start = m.end()
    return spans


def _greedy_run(s: str, lexicon: Lexicon) -> list[tuple[int, int, tuple[Entry, ...]]] | None:
    """Fast path: longest words left to right. Accepted only when it explains every character
    with full (not shortened) names; anything else goes to the dynamic programme."""
    words, prefixes, firsts, shortened = lexicon.words, lexicon.prefixes, lexicon.firsts, lexicon.shortened
    n = len(s)
    i = 0
    spans = []
    while i < n:
        if s[i] not in firsts:
            return None
        j, best = i + 1, 0
        while j <= n:
            sub = s[i:j]
            if sub in words:
                best = j
            if sub not in prefixes:
                break
            j += 1
        if not best:
            return None
        word = s[i:best]
        if word in shortened:
            return None
        spans.append((i, best, words[word]))
        i = best
    return spans


def _segment_run(s: str, lexicon: Lexicon) -> list[tuple[int, int, tuple[Entry, ...]]]:
    """Dictionary segmentation: minimise (unknown characters, words). Returns word spans."""
    n = len(s)
    words = lexicon.words
    prefixes = lexicon.prefixes
    firsts = lexicon.firsts
    shortened = lexicon.shortened
    best_cost = [0] * (n + 1)
    best_words = [0] * (n + 1)
    choice = [0] * (n + 1)  # 0 = skip one character, else word length
    for i in range(n - 1, -1, -1):
        cost, nw, ch = best_cost[i + 1] + 1, best_words[i + 1], 0
        if s[i] not in firsts:
            best_cost[i], best_words[i], choice[i] = cost, nw, ch
            continue
        j = i + 1
        while j <= n:
            sub = s[i:j]
            if sub in words:
                c, w = best_cost[j], best_words[j] + (3 if sub in shortened else 2)
                if c < cost or (c == cost and w < nw):
                    cost, nw, ch = c, w, j - i
            if sub not in prefixes:
                break
            j += 1
        best_cost[i], best_words[i], choice[i] = cost, nw, ch
    spans = []
    i = 0
    while i < n:
        length = choice[i]
        if length:
            spans.append((i, i + length, words[s[i : i + length]]))
            i += length
        else:
            i += 1
    return spans


_GAP_RE = re.compile(r"(\d+)(支弄|单元|号楼|弄|号|幢|栋|座|楼|层|室|房|户|门)?|([- ]+)|([^\d\- ]+)")


def _lex_gap_plain(gap: str) -> list[Token]:
    out: list[Token] = []
    sep = ""
    for m in _GAP_RE.finditer(gap):
        digits, marker, space, text = m.groups()
        if digits is not None:
            out.append(Token("num", digits, (), digits.lstrip("0") or "0", marker or "", sep))
            sep = ""
        elif space is not None:
            if out and out[-1].kind == "num" and "-" not in sep:
                sep = "-" if "-" in space else " "
        else:
            out.append(Token("text", text))
            sep = ""
    return out


# Gap shapes (the gap with each digit run written "0": 0弄0号0室) → their tokens; the tokens
# of a gap are those of its shape with the digits put back (a digit run is always one token).
_GAP_SHAPES: dict[str, list[Token]] = {}
_ANY_DIGITS = re.compile(r"\d+")  # what _GAP_RE reads as a number (also non-ASCII digits)


def _lex_gap(gap: str, out: list[Token]) -> None:
    """Numbers with their markers, separators and unknown text between two names."""
    gap = convert_numerals(gap)
    shape = _ANY_DIGITS.sub("0", gap)
    tpl = _GAP_SHAPES.get(shape)
    if tpl is None:
        if len(_GAP_SHAPES) > 20_000:
            _GAP_SHAPES.clear()
        tpl = _GAP_SHAPES[shape] = _lex_gap_plain(shape)
    if shape == gap:
        out.extend(tpl)  # tokens are not modified after lexing: sharing them is safe
        return
    runs = iter(_ANY_DIGITS.findall(gap))
    for t in tpl:
        if t.kind == "num":
            d = next(runs)
            out.append(Token("num", d, (), d.lstrip("0") or "0", t.marker, t.sep))
        else:
            out.append(t)


def tokenize(text: str, lexicon: Lexicon | None = None, pinyin_lookup=None) -> tuple[str, list[Token]]:
    """Normalise ``text`` and split it into name, number and unknown-text tokens."""
    return tokenize_normalized(normalize(text), lexicon, pinyin_lookup)


def tokenize_normalized(s: str, lexicon: Lexicon | None = None, pinyin_lookup=None) -> tuple[str, list[Token]]:
    """``tokenize`` of a string that is already ``normalize``d."""
    lexicon = lexicon or _GENERIC
    if looks_english(s):
        s = english_to_chinese(s, pinyin_lookup)
    tokens: list[Token] = []
    last = 0
    for start, end, entries in _segment(s, lexicon):
        if start > last:
            _lex_gap(s[last:start], tokens)
        tokens.append(Token("name", s[start:end], entries=entries))
        last = end
    if last < len(s):
        _lex_gap(s[last:], tokens)
    return s, tokens


_GENERIC = Lexicon.generic()


@dataclass
class ParsedAddress:
    """Components of one address string (strings; empty when absent)."""

    normalized: str = ""
    prefix: list[str] = field(default_factory=list)
    outside: str = ""
    town: str = ""
    committee: str = ""
    road: str = ""
    lane: str = ""
    sub_lane: str = ""
    number: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""
    floor: str = ""
    room: str = ""
    leftover: list[str] = field(default_factory=list)


def _name_kind_by_suffix(surface: str) -> str:
    if surface.endswith(lx.COMMITTEE_SUFFIXES):
        return lx.COMMITTEE
    if surface.endswith(lx.TOWN_SUFFIXES):
        return lx.TOWN
    if surface.endswith(lx.ROAD_SUFFIXES) and len(surface) >= 2:
        return lx.ROAD
    return ""


def _split_text(surface: str) -> list[tuple[str, str]]:
    """Without a database: split unknown text at town/committee/road suffixes."""
    parts: list[tuple[str, str]] = []
    rest = surface
    pattern = re.compile(
        "(.+?(?:" + "|".join(lx.COMMITTEE_SUFFIXES + lx.TOWN_SUFFIXES + lx.ROAD_SUFFIXES) + "))"
    )
    while rest:
        m = pattern.match(rest)
        if not m:
            parts.append(("", rest))
            break
        parts.append((_name_kind_by_suffix(m.group(1)), m.group(1)))
        rest = rest[m.end() :]
    return parts


def parse(text: str, lexicon: Lexicon | None = None) -> ParsedAddress:
    """Components of ``text``. With a database lexicon names are those of the database."""
    s, tokens = tokenize(text, lexicon)
    p = ParsedAddress(normalized=s)
    pending_text = ""
    nums: list[Token] = []
    for tok in tokens:
        if tok.kind == "name":
            kinds = {e[0] for e in tok.entries}
            for kind in (lx.ROAD, lx.COMPOUND, lx.COMMITTEE, lx.TOWN):
                if kind in kinds:
                    break
            else:
                kind = next(iter(kinds))
            if kind == lx.PREFIX:
                p.prefix.append(tok.surface)
            elif kind == lx.OUTSIDE:
                p.outside = p.outside or tok.surface
            elif kind == lx.STRAY:
                p.leftover.append(tok.surface)
            else:
                _assign_name(p, kind, tok.surface, bool(nums))
        elif tok.kind == "text":
            for kind, part in _split_text(tok.surface):
                if kind:
                    _assign_name(p, kind, part, bool(nums))
                elif nums and not p.compound:
                    p.compound = part  # 弄 then a compound name: 季景路1102弄德馨丽园1号
                elif not nums:
                    pending_text = part
                else:
                    p.leftover.append(part)
        else:
            if pending_text:
                if not p.compound:
                    p.compound = pending_text
                else:
                    p.leftover.append(pending_text)
                pending_text = ""
            nums.append(tok)
    if pending_text:
        p.compound = p.compound or pending_text
    _assign_numbers(p, nums)
    return p


def _assign_name(p: ParsedAddress, kind: str, surface: str, after_numbers: bool) -> None:
    if kind == lx.TOWN and not p.town:
        p.town = surface
    elif kind == lx.COMMITTEE and not p.committee:
        p.committee = surface
    elif kind == lx.ROAD and not p.road:
        p.road = surface
    elif kind == lx.COMPOUND and not p.compound:
        p.compound = surface
    else:
        p.leftover.append(surface)


def _assign_numbers(p: ParsedAddress, nums: list[Token]) -> None:
    """Roles from markers first, then position (number, building, room)."""
    unmarked: list[str] = []
    for i, t in enumerate(nums):
        m = t.marker
        if m == "弄":
            if not p.lane:
                p.lane = t.value
            else:
                p.sub_lane = t.value
        elif m == "支弄":
            p.sub_lane = t.value
        elif m in _BUILDING_MARKERS:
            p.building = t.value
        elif m == "号":
            nxt = nums[i + 1] if i + 1 < len(nums) else None
            road_number = p.road and not p.lane and not p.number and nxt is not None and nxt.marker in _BUILDING_MARKERS
            if road_number:
                p.number = t.value
            elif p.lane or not p.road:
                p.building = p.building or t.value
            else:
                p.number = t.value
        elif m == "单元":
            p.unit = t.value
        elif m in ("层", "楼"):
            if p.building or p.number:
                p.floor = t.value
            else:
                p.building = t.value
        elif m in ("室", "房", "户", "门"):
            p.room = t.value
        else:
            unmarked.append(t.value)
    for v in unmarked:
        if not p.building and not (p.road and not p.lane and not p.number and not p.compound) and len(unmarked) > 1:
            p.building = v
        elif not p.room:
            p.room = v
        elif not p.building:
            p.building = v
    if p.room and p.floor and len(p.room) <= 2:
        p.room = p.floor + p.room.zfill(2)

"""English-format addresses ("Room 302, No. 12, Lane 3855, Shangnan Road, Pudong",
"Rm 206, Bldg 29, Lane 3635 Yanggao Middle Road") rewritten in Chinese order.

Names are written in pinyin: a ``pinyin_lookup(key) -> str | None`` (from the index) turns
"shangnanlu" into 上南路; an unknown name stays as its pinyin for the fuzzy matcher.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WORDS_RE = re.compile(r"[a-z]{2,}")

_NUMBERED = [
    ("室", re.compile(r"\b(?:room|rm|flat|apt|apartment|suite|ste)\s*(\d+)")),
    ("号楼", re.compile(r"\b(?:building|bldg|bld|block|blk|tower)\s*(\d+)|\b(\d+)\s*(?:building|bldg)\b")),
    ("弄", re.compile(r"\blane\s*(\d+)|\b(\d+)\s*lane\b")),
    ("支弄", re.compile(r"\balley\s*(\d+)|\b(\d+)\s*alley\b")),
    ("层", re.compile(r"\b(?:floor|fl)\s*(\d+)|\b(\d+)(?:st|nd|rd|th)?\s*(?:floor|fl)\b")),
    ("单元", re.compile(r"\bunit\s*(\d+)")),
    ("号", re.compile(r"\b(?:no|number|num|nr)\s*(\d+)")),
]
_ORDER = ["弄", "支弄", "号", "号楼", "单元", "层", "室"]

# English words → the pinyin of the Chinese word they stand for.
_SUFFIX_WORDS = {
    "road": "lu", "rd": "lu", "street": "jie", "st": "jie", "highway": "gonglu", "hwy": "gonglu",
    "avenue": "dadao", "ave": "dadao", "boulevard": "dadao", "blvd": "dadao",
    "middle": "zhong", "central": "zhong", "east": "dong", "west": "xi", "south": "nan", "north": "bei",
    "town": "zhen", "village": "cun", "community": "shequ", "subdistrict": "jiedao",
}
_NOT_TERMINAL = {"middle", "central", "east", "west", "south", "north"}
_DROP_WORDS = {
    "shanghai", "pudong", "new", "area", "district", "china", "prc", "city", "the", "of", "and",
    "near", "pr", "sh", "nanhui",
}


_ASCII_LETTER = re.compile(r"[a-z]")


def looks_english(s: str) -> bool:
    if not _ASCII_LETTER.search(s):
        return False
    return len(_WORDS_RE.findall(s)) >= 2 or bool(re.search(r"[a-z]{4,}", s))


def english_to_chinese(s: str, pinyin_lookup: Callable[[str], str | None] | None = None) -> str:
    numbers: dict[str, str] = {}
    rest = s
    for marker, rx in _NUMBERED:
        m = None
        for alt in rx.pattern.split("|\\b("):
            alt_rx = re.compile(alt if alt.startswith("\\b") else "\\b(" + alt)
            m = alt_rx.search(rest)
            if m:
                break
        if m:
            numbers[marker] = next(g for g in m.groups() if g)
            rest = rest[: m.start()] + " , " + rest[m.end() :]
    names: list[str] = []
    tail = re.findall(r"\d+(?:[\s-]+\d+)*", rest)
    current: list[str] = []

    def close() -> None:
        if current:
            key = "".join(current)
            chinese = pinyin_lookup(key) if pinyin_lookup else None
            names.append(chinese or key)
            current.clear()

    words = re.findall(r"[a-z]+|\d+|,|[\u3400-\u9fff]+", rest)
    for k, w in enumerate(words):
        nxt = words[k + 1] if k + 1 < len(words) else ""
        if "\u3400" <= w[0] <= "\u9fff":  # a Chinese name inside an English address
            close()
            names.append(w)
            continue
        if w == "," or w.isdigit() or (w in _DROP_WORDS and nxt not in _SUFFIX_WORDS):
            close()
            continue
        if w in _SUFFIX_WORDS and current:
            current.append(_SUFFIX_WORDS[w])
            if w not in _NOT_TERMINAL:
                close()
            continue
        current.append(w)
    close()
    out = "".join(names)
    for marker in _ORDER:
        if marker in numbers:
            out += numbers[marker] + marker
    if tail:
        out += " ".join(tail)
    return out

"""Fuzzy name look-up: homophones through pinyin (exact and a loose key that forgives
zh/z, ch/c, sh/s, -ng/-n, n/l), and typos through a one-edit deletion index."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

from . import lexicon as lx

Hit = tuple[str, int]  # (kind, id)


@cache
def _pinyin_dict() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # char table only: no phrase model to load

    return pinyin_dict


@cache
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one character, most common first (ü written u)."""
    if not ("\u3400" <= ch <= "\u9fff"):
        return (ch,) if ch.isascii() and ch.isalnum() else ("",)
    raw = _pinyin_dict().get(ord(ch))
    if not raw:
        return ("",)
    out: list[str] = []
    for r in raw.split(","):
        decomposed = unicodedata.normalize("NFD", r)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        forms = [plain.replace("u", "v"), plain] if "\u0308" in decomposed else [plain]  # lǜ: lv, lu
        for form in forms:
            if form not in out:
                out.append(form)
    return tuple(out)


def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one character, first reading ('' when it has none)."""
    return readings(ch)[0]


def name_keys(name: str) -> tuple[str, set[str]]:
    """Pinyin key of a name (first readings), and keys with one polyphonic character read otherwise."""
    first = [char_pinyin(ch) for ch in name]
    key = "".join(first)
    alts = set()
    for i, ch in enumerate(name):
        for alt in readings(ch)[1:4]:
            alts.add("".join(first[:i] + [alt] + first[i + 1 :]))
    alts.discard(key)
    return key, alts


def loose_syllable(s: str) -> str:
    s = s.replace("zh", "z").replace("ch", "c").replace("sh", "s")
    if s.endswith("ng"):
        s = s[:-1]
    if s.startswith("n"):
        s = "l" + s[1:]
    return s


def text_keys(text: str) -> tuple[str, str]:
    syl = [char_pinyin(ch) for ch in text]
    return "".join(syl), "".join(loose_syllable(s) for s in syl)


def deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _variants(name: str, suffixes: tuple[str, ...]) -> list[str]:
    out = [name]
    for suf in suffixes:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            out.append(name[: -len(suf)])
            if len(suf) == 2 and suf[1] == "路":
                out.append(name[:-1])  # 杨高南路 → 杨高南
            break
    return out


def build_fuzzy_tables(
    roads: list[str], compounds: list[str], towns: list[str]
) -> tuple[dict[str, tuple[Hit, ...]], dict[str, tuple[Hit, ...]], dict[str, tuple[Hit, ...]]]:
    pinyin: dict[str, set[Hit]] = {}
    alt: dict[str, set[Hit]] = {}
    loose: dict[str, set[Hit]] = {}
    deletes: dict[str, set[Hit]] = {}

    def add(kind: str, i: int, names: Iterable[str]) -> None:
        for name in names:
            key, alts = name_keys(name)
            pinyin.setdefault(key, set()).add((kind, i))
            for k in alts:
                alt.setdefault(k, set()).add((kind, i))
            loose.setdefault(text_keys(name)[1], set()).add((kind, i))
            if len(name) >= 3:
                deletes.setdefault(name, set()).add((kind, i))
                for d in deletions(name):
                    deletes.setdefault(d, set()).add((kind, i))

    for i, r in enumerate(roads):
        add(lx.ROAD, i, _variants(r, lx.ROAD_SUFFIXES))
    for i, c in enumerate(compounds):
        add(lx.COMPOUND, i, [c])
    for i, t in enumerate(towns):
        add(lx.TOWN, i, _variants(t, lx.TOWN_SUFFIXES))
    for k, hits in alt.items():  # other readings: a separate, weaker table (prefix "~")
        if k not in pinyin:
            pinyin["~" + k] = hits
    freeze = lambda d: {k: tuple(sorted(v)) for k, v in d.items()}  # noqa: E731
    return freeze(pinyin), freeze(loose), freeze(deletes)


def fuzzy_lookup(
    text: str,
    pinyin: dict[str, tuple[Hit, ...]],
    loose: dict[str, tuple[Hit, ...]],
    deletes: dict[str, tuple[Hit, ...]],
) -> list[tuple[Hit, str, int, int]]:
    """Names hidden in unknown ``text``: (hit, how, start, end), longest spans first.

    ``how`` is "同音" (same pinyin), "近音" (loose pinyin) or "错字" (one edit).
    """
    n = len(text)
    sylls = [char_pinyin(ch) for ch in text]
    lsylls = [loose_syllable(s) for s in sylls]
    found: list[tuple[Hit, str, int, int]] = []
    for length in range(min(n, 14), 1, -1):
        for i in range(0, n - length + 1):
            j = i + length
            key = "".join(sylls[i:j])
            for hit in pinyin.get(key, ()):
                found.append((hit, "同音", i, j))
            for hit in pinyin.get("~" + key, ()):
                found.append((hit, "多音字同音", i, j))
            if not found or found[-1][2:] != (i, j):
                for hit in loose.get("".join(lsylls[i:j]), ()):
                    found.append((hit, "近音", i, j))
            if length >= 3:
                sub = text[i:j]
                hits = set(deletes.get(sub, ()))
                for d in deletions(sub):
                    hits.update(deletes.get(d, ()))
                for hit in sorted(hits):
                    found.append((hit, "错字", i, j))
        if found:
            # keep the longest spans only (a longer name explains more of the text)
            break
    seen: set[Hit] = set()
    out = []
    for f in found:
        if f[0] not in seen:
            seen.add(f[0])
            out.append(f)
    return out

"""The matcher's fast paths agree with the slow paths they shortcut.

- ``normalize``: strings recognised as already clean by one regex skip ``_clean``;
- ``parser._lex_gap``: the tokens of a gap come from its cached shape (digits written 0);
- ``Index.room_id``: the room's position is found in the joined room string without a split;
- the character classes built as ranges (traditional characters, already-clean characters).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.pipeline.address import match
from fangkong.pipeline.address.normalize import (
    _already_clean,
    _clean,
    _has_trad,
    _is_clean,
    _trad_chars,
    _trad_re,
    convert_numerals,
    normalize,
)
from fangkong.pipeline.address.parser import _GAP_SHAPES, _lex_gap, _lex_gap_plain

GAP_ALPHABET = st.sampled_from(
    ["0", "1", "2", "3", "07", "12", "302", "3855", "١٢", "٣", "一", "二", "三", "十", "零", "两", "万",
     "弄", "支弄", "号", "号楼", "幢", "栋", "座", "单元", "层", "楼", "室", "房", "户", "门",
     "-", " ", "  ", "- ", "村", "花园", "a", "x"]
)
ADDRESS_ALPHABET = st.sampled_from(
    list("上海市浦东新区南汇上南路弄号楼幢栋座单元层室村社区居委会镇街道一二三四五六七八九十零0123456789-－ 　（）()#號樓區，,.〇")
    + ["13812345678", "021-58881234", "李女士", "张先生", "地址：", "联系电话", "３０２", "\U00020000", "著"]
)


def _slow_normalize(text: str) -> str:
    """``normalize`` as it was before the fast path: ``_clean`` to a fixed point."""
    s = _clean(text or "")
    if s == text:
        return s
    for _ in range(4):
        t = _clean(s)
        if t == s:
            break
        s = t
    return s


def _slow_lex_gap(gap: str) -> list[tuple[str, str, str, str, str]]:
    return [(t.kind, t.surface, t.value, t.marker, t.sep) for t in _lex_gap_plain(convert_numerals(gap))]


def _fast_lex_gap(gap: str) -> list[tuple[str, str, str, str, str]]:
    out: list = []
    _lex_gap(gap, out)
    return [(t.kind, t.surface, t.value, t.marker, t.sep) for t in out]


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(ADDRESS_ALPHABET, max_size=30).map("".join)))
def test_normalize_fast_path_agrees_with_clean(text):
    if _is_clean(text):
        assert _clean(text) == text
    assert normalize(text) == _slow_normalize(text)


def test_normalize_fast_path_on_generated_addresses():
    rng = random.Random(7)
    parts = ["上海市", "浦东新区", "南汇区", "三林镇", "上南路", "杨高中路", "德馨丽园", "3855弄", "12号", "302室", "１２号",
             "３０２", "12-302", "12 302", "號", "李女士", "13912345678", "（近地铁）", "家住", "#", "〇"]
    for _ in range(3000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(1, 8)))
        assert normalize(text) == _slow_normalize(text), text


def test_character_classes_built_as_ranges_are_exact():
    trad, trad_re, clean_re = _trad_chars(), _trad_re(), _already_clean()
    for cp in list(range(0x20, 0x3400)) + list(range(0x3400, 0xA000)) + list(range(0x20000, 0x2A6E0, 7)):
        ch = chr(cp)
        assert bool(trad_re.fullmatch(ch)) == (ch in trad), hex(cp)
        assert _has_trad("上" + ch + "1") == (ch in trad), hex(cp)
        expected = ("0" <= ch <= "9") or ("\u4e00" <= ch <= "\u9fff" and ch not in trad and ch not in "址话机名系生士姐姨傅师爷妈")
        assert bool(clean_re.fullmatch(ch)) == expected, hex(cp)


@settings(max_examples=800, deadline=None)
@given(st.lists(GAP_ALPHABET, max_size=12).map("".join))
def test_gap_shapes_agree_with_plain_lexing(gap):
    assert _fast_lex_gap(gap) == _slow_lex_gap(gap)
    assert _fast_lex_gap(gap) == _slow_lex_gap(gap)  # second time from the shape cache


def test_gap_shapes_on_generated_gaps():
    rng = random.Random(11)
    pieces = ["3855弄", "12号", "302室", "12-302", "12 302", "3-502室", "3号楼", "2单元", "5层", "07", "一零一", "十二号",
              "三八五五弄", " ", "-", "支弄", "幢", "栋", "座", "门", "户", "房"]
    _GAP_SHAPES.clear()
    for _ in range(5000):
        gap = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        assert _fast_lex_gap(gap) == _slow_lex_gap(gap), gap


def test_room_id_agrees_with_a_split(small_index):
    ix = small_index
    for b, rooms in enumerate(ix.b_rooms):
        names = rooms.split(",")
        for room in names + ["", "0", "9999", names[0][:-1], names[-1] + "1", "," + names[0]]:
            try:
                i = names.index(room)
            except ValueError:
                expected = None
            else:
                expected = ix.b_ids[b][i] if ix.b_first[b] < 0 else f"{ix.id_prefix}{ix.b_first[b] + i:0{ix.id_width}d}"
            assert ix.room_id(b, room) == expected, (b, room)


def test_room_id_edge_cases(small_index):
    ix = small_index
    saved = (list(ix.b_rooms), list(ix.b_first))
    try:
        ix.b_rooms[0], ix.b_first[0] = "1,11,101,1,", 100
        assert ix.room_id(0, "1") == f"{ix.id_prefix}{100:0{ix.id_width}d}"  # first of two
        assert ix.room_id(0, "11") == f"{ix.id_prefix}{101:0{ix.id_width}d}"
        assert ix.room_id(0, "101") == f"{ix.id_prefix}{102:0{ix.id_width}d}"
        assert ix.room_id(0, "") == f"{ix.id_prefix}{104:0{ix.id_width}d}"  # the empty last one
        assert ix.room_id(0, "10") is None
        ix.b_rooms[0] = "7"
        assert ix.room_id(0, "7") == f"{ix.id_prefix}{100:0{ix.id_width}d}"
        assert ix.room_id(0, "70") is None
    finally:
        ix.b_rooms[:], ix.b_first[:] = saved


def test_matching_does_not_depend_on_the_caches(small_index):
    """The same addresses matched with warm caches and after clearing them give the same decisions."""
    texts = [
        "上海市浦东新区上南路3855弄12号302室", "上南路三八五五弄十二号三零二室", "上南路３８５５弄１２號３０２室",
        "上南路3855弄12-302", "上南路38 55弄12号302室", "尚南路3855弄12号302室", "上南花城3号1101",
        "张江镇张江1630号4号楼402", "李女士 13812345678 家住曹路大道407弄16号401室附近", "上南路3855弄12号9999室",
    ]
    rng = random.Random(3)
    texts += [f"上南路{rng.choice(['3855', '三八五五'])}弄{rng.randint(1, 20)}号{rng.randint(100, 1300)}" for _ in range(200)]

    def run():
        return [(d.status, d.address_id, d.committee_code, d.confidence, d.explanation) for d in (match(small_index, t) for t in texts)]

    warm = run()
    _GAP_SHAPES.clear()
    small_index.lexicon.cache.clear()
    small_index.fuzzy_cache.clear()
    assert run() == warm

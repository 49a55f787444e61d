"""Property tests: the parser never crashes; normalisation is idempotent."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.pipeline.address import match, normalize, parse

ADDRESS_ALPHABET = st.sampled_from(
    list("上海市浦东新区南汇上南路弄号楼幢栋座单元层室村社区居委会镇街道一二三四五六七八九十百零两0123456789-－ 　（）()#號樓區，,.")
    + ["Room ", "Lane ", "No.", "Road", "13812345678", "李女士"]
)
TEXT = st.one_of(st.text(max_size=60), st.lists(ADDRESS_ALPHABET, max_size=30).map("".join))


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_parser_never_crashes(text):
    parse(text)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_matcher_always_returns_a_status(small_index, text):
    d = match(small_index, text)
    assert d.status in ("matched", "committee_only", "review", "outside")
    assert bool(d.address_id) == (d.status == "matched")

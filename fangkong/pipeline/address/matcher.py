"""Matcher: address text → Decision against an ``Index``.

Candidates come from blocking on road+lane, road+number and compound name (exact, then
fuzzy through pinyin and one-edit look-ups); the building and room are read from the
numbers that follow and checked against the database. A written town or committee is only
a tie-breaker: it never outweighs road, lane and compound. Auto-match needs one room that
is clearly ahead of every other reading; otherwise the candidates go to review.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import lexicon as lx
from .fuzzy import fuzzy_lookup
from .index import Index
from .parser import Token, tokenize

MATCHED, COMMITTEE_ONLY, REVIEW, OUTSIDE = "matched", "committee_only", "review", "outside"
AUTO_MARGIN = 2.0
_SKIP = {"单元", "层", "支弄"}
_ROOM = {"室", "房", "户", "门"}


@dataclass(slots=True)
class Candidate:
    address_id: str
    committee_code: str
    compound: str
    building: str
    room: str
    score: float
    level: int  # 3 room, 2 building, 1 compound
    notes: list[str] = field(default_factory=list)
    comp: int = -1
    committee: int = -1


@dataclass(slots=True)
class Decision:
    status: str
    address_id: str = ""
    committee_code: str = ""
    confidence: float = 0.0
    explanation: str = ""
    candidates: list[Candidate] = field(default_factory=list)


@dataclass(slots=True)
class _Ctx:
    roads: list[tuple[int, int, str, float]]  # (pos, road, note, weight)
    comps: list[tuple[int, int, str, float]]
    towns: set[int]
    committees: set[int]
    nums: list[tuple[int, Token]]
    next_num: dict[int, str] = field(default_factory=dict)  # name position → marker of the number right after it


def _collect(tokens: list[Token]) -> tuple[_Ctx, list[tuple[int, Token]], bool, bool]:
    ctx = _Ctx([], [], set(), set(), [])
    texts: list[tuple[int, Token]] = []
    outside = pudong = False
    next_num = ctx.next_num
    following: str | None = None  # marker of the number that follows (stray words skipped)
    for pos in range(len(tokens) - 1, -1, -1):
        tok = tokens[pos]
        if tok.kind == "num":
            following = tok.marker
        else:
            if following is not None:
                next_num[pos] = following
            if tok.kind != "name" or tok.entries[0][0] != lx.STRAY:
                following = None
    nums = ctx.nums
    for pos, tok in enumerate(tokens):
        kind = tok.kind
        if kind == "num":
            nums.append((pos, tok))
        elif kind == "text":
            texts.append((pos, tok))
        else:
            for kind, i, note in tok.entries:
                if kind == lx.ROAD:
                    ctx.roads.append((pos, i, note, 4.0 if not note else 3.5))
                elif kind == lx.COMPOUND:
                    ctx.comps.append((pos, i, note, 4.0))
                elif kind == lx.TOWN:
                    ctx.towns.add(i)
                elif kind == lx.COMMITTEE:
                    ctx.committees.add(i)
                elif kind == lx.OUTSIDE:
                    outside = True
                elif kind == lx.PREFIX:
                    pudong = pudong or tok.surface.startswith(("浦东", "南汇", "川沙"))
    return ctx, texts, outside, pudong


def _units(ix: Index, comp: int, rest: list[Token]) -> list[tuple[int, str, float, list[str]]]:
    """(building or -1, room id or '', penalty, notes) readings of the numbers after a compound."""
    floor = ""
    seq = []
    first = True
    for t in rest:
        m = t.marker
        if m == "层" or (m == "楼" and not first):
            if not floor:
                floor = t.value
        elif m not in _SKIP:
            seq.append(t)
        first = False
    buildings = ix.comp_buildings[comp]
    if not seq:
        return [(-1, "", 0.0, [])]
    if seq[0].marker in _ROOM:
        return [(-1, "", 0.0, [f"室={seq[0].value}（未写楼号）"])]
    readings: list[tuple[str, str, float, str]] = []
    b0 = seq[0].value
    if len(seq) == 1:
        readings.append((b0, "", 0.0, ""))
    else:
        readings.append((b0, seq[1].value, 0.0, ""))
        if len(seq) >= 3 and seq[1].sep == "-" and seq[0].marker == "":
            readings.append((b0, seq[-1].value, 0.8, "跳过多余数字"))  # 12-3-502: building-unit-room
        elif seq[1].sep == " " and seq[1].marker == "" and seq[0].marker == "" and len(seq[1].value) <= 2:
            readings.append((b0, "", 0.5, ""))
    out = []
    for label, room, penalty, note in readings:
        b = buildings.get(label, -1)
        notes = [note] if note else []
        if b < 0:
            out.append((-1, "", penalty + 0.2, notes + [f"楼号{label}不存在"]))
            continue
        if not room:
            out.append((b, "", penalty, notes))
            continue
        rooms = [room]
        if floor and len(room) <= 2:
            rooms.insert(0, floor + room.zfill(2))
        for r in rooms:
            rid = ix.room_id(b, r)
            if rid:
                out.append((b, rid, penalty, notes + [f"室={r}"]))
                break
        else:
            out.append((b, "", penalty, notes + [f"室{room}不存在"]))
    return out


def _hypotheses(ix: Index, ctx: _Ctx) -> list[tuple[int, list[Token], float, list[str]]]:
    """(compound, numbers after it, score, notes) from road+lane, road+number, compound name."""
    hyps: list[tuple[int, list[Token], float, list[str]]] = []
    for pos, r, note, weight in ctx.roads:
        if pos not in ctx.next_num:
            if note:
                continue  # a shortened road name must stand right before its number
            weight -= 3.0
        after = [t for p, t in ctx.nums if p > pos]
        road_note = f"道路={ix.roads[r]}" + (f"（{note}）" if note else "")
        k = -1
        for i, t in enumerate(after):
            if t.marker == "弄":
                k = i
                break
        if k >= 0:
            lanes = [(after[k].value, 0.0, "")]
            if k > 0 and after[k].sep == " " and after[k - 1].marker == "":
                lanes.append((after[k - 1].value + after[k].value, 0.2, "合并空格分开的弄号"))
            for lane, pen, extra in lanes:
                comp = ix.road_lane.get((r, lane))
                if comp is not None:
                    notes = [road_note, f"弄={lane}"] + ([extra] if extra else [])
                    hyps.append((comp, after[k + 1 :], weight + 4 - pen, notes))
        elif after:
            t0 = after[0]
            comp = ix.road_number.get((r, t0.value))
            if comp is not None and t0.marker in ("号", "", "弄"):
                hyps.append((comp, after[1:], weight + 4, [road_note, f"门牌={t0.value}号"]))
            comp = ix.road_lane.get((r, t0.value))
            if comp is not None and t0.marker in ("", "号") and len(after) >= 2:
                hyps.append((comp, after[1:], weight + 2.5, [road_note, f"弄={t0.value}（未写“弄”）"]))
    for pos, c, note, weight in ctx.comps:
        if ctx.next_num.get(pos, "弄") == "弄":
            weight -= 3.0  # followed by another name or by a lane: a committee/road mention
        after = [t for p, t in ctx.nums if p > pos and t.marker not in ("弄", "支弄")]
        later_roads = [p for p, *_ in ctx.roads if p > pos]
        if later_roads:
            after = [t for p, t in ctx.nums if p > later_roads[0] and t.marker not in ("弄", "支弄")][1:]
        hyps.append((c, after, weight + 3, ["小区=" + ix.compounds[c][0] + (f"（{note}）" if note else "")]))
    return hyps


def _merged(nums: list[tuple[int, Token]], i: int) -> list[tuple[int, Token]]:
    (p0, a), (_, b) = nums[i - 1], nums[i]
    t = Token("num", a.surface + b.surface, value=(a.surface + b.surface).lstrip("0") or "0", marker=b.marker, sep=a.sep)
    return nums[: i - 1] + [(p0, t)] + nums[i + 1 :]


def _variants(nums: list[tuple[int, Token]]) -> list[tuple[list[tuple[int, Token]], float, str]]:
    """The numbers as written, and with digits split by a stray space joined again (77 3号 → 773号)."""
    spots = [i for i in range(1, len(nums)) if nums[i][1].sep == " " and nums[i - 1][1].marker == ""]
    out = [(nums, 0.0, "")]
    for i in spots:
        out.append((_merged(nums, i), 0.3, f"合并空格分开的数字{nums[i - 1][1].surface} {nums[i][1].surface}"))
    if len(spots) > 1:
        merged = nums
        for i in reversed(spots):
            merged = _merged(merged, i)
        out.append((merged, 0.6, "合并空格分开的数字"))
    return out


def _candidates(ix: Index, ctx: _Ctx) -> list[Candidate]:
    by_key: dict[tuple[int, int, str], Candidate] = {}
    comp_votes: dict[int, set[str]] = {}
    hyps = []
    all_nums = ctx.nums
    for nums, vpen, vnote in _variants(all_nums):
        ctx.nums = nums
        for comp, rest, score, notes in _hypotheses(ix, ctx):
            hyps.append((comp, rest, score - vpen, notes + ([vnote] if vnote else [])))
    ctx.nums = all_nums
    for comp, rest, score, notes in hyps:
        comp_votes.setdefault(comp, set()).add(notes[0][:2])
        for b, rid, penalty, unotes in _units(ix, comp, rest):
            level = 3 if rid else 2 if b >= 0 else 1
            committee = ix.b_committee[b] if b >= 0 else ix.compounds[comp][4]
            s = score - 2 * penalty + level
            key = (comp, b, rid)
            cand = by_key.get(key)
            if cand is None or s > cand.score:
                name = ix.compounds[comp][0]
                by_key[key] = Candidate(
                    rid, ix.committee_code(committee), name, ix.b_label[b] if b >= 0 else "", rid,
                    s, level, notes + unotes, comp, committee,
                )
    for cand in by_key.values():
        votes = comp_votes[cand.comp]
        if len(votes) > 1:  # road+lane and compound name agree
            cand.score += 3.0
            cand.notes.append("道路门牌与小区名一致")
        if cand.committee >= 0 and cand.committee in ctx.committees:
            cand.score += 0.5
            cand.notes.append("书写居委一致")
    if len(by_key) == 1:
        return list(by_key.values())
    # within one compound keep only the most specific reading per building
    best: dict[tuple[int, int], Candidate] = {}
    for cand in by_key.values():
        b = ix.comp_buildings[cand.comp].get(cand.building, -1) if cand.building else -1
        k = (cand.comp, b if cand.level >= 2 else -1)
        if k not in best or (cand.level, cand.score) > (best[k].level, best[k].score):
            best[k] = cand
    return sorted(best.values(), key=lambda c: (-c.level, -c.score))


def _lookup(ix: Index, text: str) -> list:
    cache = ix.fuzzy_cache
    hit = cache.get(text)
    if hit is None:
        if len(cache) > 50000:
            cache.clear()
        hit = cache[text] = fuzzy_lookup(text, ix.pinyin, ix.loose, ix.deletes)
    return hit


def _fuzzy(ix: Index, ctx: _Ctx, texts: list[tuple[int, Token]], tokens: list[Token]) -> list[str]:
    notes = []
    for pos, tok in texts:
        found = _lookup(ix, tok.surface)
        prev = tokens[pos - 1] if pos > 0 else None
        window = tok.surface
        if prev is not None and prev.kind == "name" and prev.entries[0][0] not in (lx.STRAY, lx.OUTSIDE):
            # 陆家嘴|还路: a known word ate the start of a misspelt name
            cut = len(prev.surface)
            window = prev.surface + tok.surface
            found = [
                (h, how, start - cut, end - cut)
                for h, how, start, end in _lookup(ix, window)
                if start < cut < end
            ] + found
        for (kind, i), how, start, end in found:
            start, end = start + len(window) - len(tok.surface), end + len(window) - len(tok.surface)
            written = window[start:end]
            weight = {"同音": 3.0, "多音字同音": 2.5, "近音": 2.5, "错字": 2.0}[how]
            if kind == lx.ROAD:
                ctx.roads.append((pos, i, f"{how}纠正“{written}”", weight))
                notes.append(f"{written}→{ix.roads[i]}（{how}）")
            elif kind == lx.COMPOUND:
                ctx.comps.append((pos, i, f"{how}纠正“{written}”", weight - 1.0))
                notes.append(f"{written}→{ix.compounds[i][0]}（{how}）")
            elif kind == lx.TOWN:
                ctx.towns.add(i)
    return notes


def _explain(c: Candidate, extra: list[str]) -> str:
    return "；".join(dict.fromkeys(c.notes + extra))


def match(ix: Index, text: str) -> Decision:
    """Decide one address string against the index."""
    if not text or not text.strip():
        return Decision(REVIEW, explanation="地址为空")
    _, tokens = tokenize(text, ix.lexicon, ix.pinyin_name)
    ctx, texts, outside, pudong = _collect(tokens)
    cands = _candidates(ix, ctx)
    unexplained = any(pos in ctx.next_num and len(tok.surface) >= 2 for pos, tok in texts)
    weak = not cands or cands[0].level < 3 or (unexplained and cands[0].score < 9.5)
    if texts and weak and _fuzzy(ix, ctx, texts, tokens):
        cands = _candidates(ix, ctx)
    extra = []
    if ctx.towns:
        extra.append("书写街镇=" + "、".join(sorted(ix.towns[t][1] for t in ctx.towns)))
    if not cands:
        if outside or not (pudong or ctx.towns or ctx.committees):
            return Decision(OUTSIDE, explanation="未在本区标准地址中找到道路或小区" + ("（写明外区/外省）" if outside else ""))
        return Decision(REVIEW, confidence=0.0, explanation="只识别到街镇或居委，未找到道路门牌或小区")
    top = cands[0]
    rivals = [c for c in cands[1:] if c.comp != top.comp or c.level == top.level]
    margin = top.score - rivals[0].score if rivals else 99.0
    if outside and not pudong and top.level < 3:
        return Decision(OUTSIDE, explanation="写明外区/外省，本区无此房屋")
    if outside and not pudong:
        return Decision(REVIEW, confidence=0.2, explanation="写明外区/外省，但道路门牌在本区存在：" + _explain(top, extra), candidates=cands[:5])
    if top.level == 3 and margin >= AUTO_MARGIN:
        conf = round(min(0.99, 0.5 + 0.035 * top.score + 0.02 * min(margin, 5)), 3)
        return Decision(MATCHED, top.address_id, top.committee_code, conf, _explain(top, extra), cands[:3])
    same_committee = {c.committee_code for c in cands if c.level >= 1 and (c.comp == top.comp or c.score >= top.score - AUTO_MARGIN)}
    if top.level < 3 and len(same_committee) == 1 and top.committee_code and margin >= AUTO_MARGIN / 2:
        conf = round(min(0.95, 0.4 + 0.03 * top.score), 3)
        why = "房屋不存在，按楼栋/小区定到居委：" if top.level == 2 else "楼号不存在或未写，按小区定到居委："
        return Decision(COMMITTEE_ONLY, "", top.committee_code, conf, why + _explain(top, extra), cands[:3])
    committee = same_committee.pop() if len(same_committee) == 1 else ""
    return Decision(
        REVIEW, "", committee, round(min(0.6, 0.1 + 0.02 * top.score), 3),
        "多个候选难以区分：" + " | ".join(f"{c.compound}{c.building}{'号' if c.building else ''}{c.room and ' ' + c.address_id}" for c in cands[:3]),
        cands[:5],
    )


def match_many(ix: Index, records: Iterable[tuple[str, str]]) -> Iterator[tuple[str, Decision]]:
    """(record_id, address) pairs → (record_id, Decision); for a worker or a Spark partition."""
    for rid, address in records:
        yield rid, match(ix, address)

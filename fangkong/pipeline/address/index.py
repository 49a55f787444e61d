"""The matching index built from the standard-address table, and its on-disk cache.

``build_index(rows)`` takes rows with the columns of ``standard_addresses.csv.gz``
(``address_id,town_code,town,committee_code,committee,road,lane,number,compound,building,room``,
more ignored). The ``Index`` holds only lists, dicts and strings, so it pickles: a worker
process or a Spark executor loads it once and calls ``matcher.match(index, text)``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import pickle
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import lexicon as lx
from .fuzzy import build_fuzzy_tables
from .parser import Entry, Lexicon

INDEX_VERSION = 12
COLUMNS = ("address_id", "town_code", "town", "committee_code", "committee", "road", "lane", "number", "compound", "building", "room")
_ID_RE = re.compile(r"^([A-Za-z]*)(\d+)$")


@dataclass
class Index:
    towns: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    committees: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, town)
    roads: list[str] = field(default_factory=list)
    # compound: (name, road, lane, number, committee or -1 when mixed, lane_style)
    compounds: list[tuple[str, int, str, str, int, bool]] = field(default_factory=list)
    comp_buildings: list[dict[str, int]] = field(default_factory=list)  # label → building
    b_comp: list[int] = field(default_factory=list)
    b_committee: list[int] = field(default_factory=list)
    b_label: list[str] = field(default_factory=list)
    b_rooms: list[str] = field(default_factory=list)  # "101,102,..."
    b_first: list[int] = field(default_factory=list)  # numeric id of the first room, -1 if explicit
    b_ids: dict[int, list[str]] = field(default_factory=dict)  # explicit ids when not contiguous
    id_prefix: str = "A"
    id_width: int = 8
    road_lane: dict[tuple[int, str], int] = field(default_factory=dict)
    road_number: dict[tuple[int, str], int] = field(default_factory=dict)
    words: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    pinyin: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    loose: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    deletes: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    rooms_total: int = 0

    def __post_init__(self) -> None:
        self._lexicon: Lexicon | None = None
        self._room_cache: dict[int, dict[str, int]] = {}
        self.fuzzy_cache: dict[str, list] = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lexicon", None)
        state.pop("_room_cache", None)
        state.pop("fuzzy_cache", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lexicon = None
        self._room_cache = {}
        self.fuzzy_cache = {}

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon(self.words)
        return self._lexicon

    def room_id(self, b: int, room: str) -> str | None:
        # position of the room in "101,102,...": found and counted in C, no list of strings
        rooms = self.b_rooms[b]
        if rooms.startswith(room) and (len(rooms) == len(room) or rooms[len(room)] == ","):
            i = 0
        else:
            at = rooms.find("," + room + ",")
            if at < 0:
                if not rooms.endswith("," + room):
                    return None
                at = len(rooms) - len(room) - 1
            i = rooms.count(",", 0, at + 1)
        first = self.b_first[b]
        if first < 0:
            return self.b_ids[b][i]
        return f"{self.id_prefix}{first + i:0{self.id_width}d}"

    def committee_code(self, c: int) -> str:
        return self.committees[c][0] if c >= 0 else ""

    def pinyin_name(self, key: str) -> str | None:
        """English/pinyin name → Chinese name when exactly one road, compound or town has it."""
        hits = self.pinyin.get(key, ()) or self.pinyin.get("~" + key, ())
        for kind in (lx.ROAD, lx.COMPOUND, lx.TOWN):  # 浦兴路 is a road and (without 街道) a town
            names = {self._name(k, i) for k, i in hits if k == kind}
            if names:
                return names.pop() if len(names) == 1 else None
        return None

    def _name(self, kind: str, i: int) -> str:
        if kind == lx.ROAD:
            return self.roads[i]
        if kind == lx.COMPOUND:
            return self.compounds[i][0]
        if kind == lx.TOWN:
            return self.towns[i][1]
        return self.committees[i][1]


def _num(v: str) -> str:
    v = v.strip()
    return v.lstrip("0") or ("0" if v else "")


def build_index(rows: Iterable[Sequence[str]]) -> Index:
    """Rows in COLUMNS order (tuples/lists; use ``load_rows`` for dicts or files)."""
    ix = Index()
    town_of: dict[str, int] = {}
    comm_of: dict[str, int] = {}
    road_of: dict[str, int] = {}
    comp_of: dict[str, int] = {}
    comp_comm: dict[int, int] = {}
    last_key: tuple[str, str, str] | None = None
    b = -1
    rooms: list[str] = []
    ids: list[str] = []
    id_prefix: str | None = None
    width = 8

    def close_building() -> None:
        if b < 0:
            return
        joined = ",".join(rooms)
        if ",0" in "," + joined or " " in joined:
            joined = ",".join(_num(r) for r in rooms)
        ix.b_rooms.append(joined)
        # ids of one building are usually consecutive (A00000001, A00000002, ...): keep the first
        # only. All checks are C-level (sorted, set, map) to keep the build fast.
        plen = len(id_prefix or "")
        first_id, last_id = ids[0], ids[-1]
        ok = (
            first_id[:plen] == id_prefix == last_id[:plen]
            and set(map(len, ids)) == {plen + width}
            and first_id[plen:].isdigit()
            and last_id[plen:].isdigit()
            and int(last_id[plen:]) - int(first_id[plen:]) == len(ids) - 1
            and sorted(ids) == ids
            and len(set(ids)) == len(ids)
        )
        if ok:
            ix.b_first.append(int(first_id[plen:]))
        else:
            ix.b_first.append(-1)
            ix.b_ids[b] = list(ids)

    for row in rows:
        raw_key = (row[8], row[7], row[9])
        if raw_key != last_key:
            address_id, town_code, town, committee_code, committee, road, lane, number, compound, building = row[:10]
            lane, number, building = _num(lane), _num(number), _num(building)
            label = building if building else number
            cp0 = comp_of.get(compound)
            if cp0 is not None and label in ix.comp_buildings[cp0]:
                raise ValueError(f"building {compound} {label} is not contiguous in the input")
            close_building()
            rooms, ids = [], []
            last_key = raw_key
            t = town_of.get(town_code)
            if t is None:
                t = town_of[town_code] = len(ix.towns)
                ix.towns.append((town_code, town))
            c = comm_of.get(committee_code)
            if c is None:
                c = comm_of[committee_code] = len(ix.committees)
                ix.committees.append((committee_code, committee, t))
            r = road_of.get(road)
            if r is None:
                r = road_of[road] = len(ix.roads)
                ix.roads.append(road)
            cp = comp_of.get(compound)
            if cp is None:
                cp = comp_of[compound] = len(ix.compounds)
                ix.compounds.append((compound, r, lane, "" if lane else number, c, bool(lane)))
                ix.comp_buildings.append({})
                comp_comm[cp] = c
                if lane:
                    ix.road_lane[(r, lane)] = cp
                else:
                    ix.road_number[(r, number)] = cp
            elif comp_comm[cp] != c:
                comp_comm[cp] = -1
            b = len(ix.b_comp)
            ix.b_comp.append(cp)
            ix.b_committee.append(c)
            ix.b_label.append(label)
            ix.comp_buildings[cp][label] = b
            if id_prefix is None:
                m = _ID_RE.match(address_id)
                id_prefix = m.group(1) if m else ""
                width = len(m.group(2)) if m else 0
        rooms.append(row[10])
        ids.append(row[0])
    close_building()
    ix.id_prefix, ix.id_width = id_prefix or "", width
    ix.rooms_total = sum(len(r.split(",")) for r in ix.b_rooms) if ix.b_rooms else 0
    for cp, c in comp_comm.items():
        name, r, lane, number, _, lane_style = ix.compounds[cp]
        ix.compounds[cp] = (name, r, lane, number, c, lane_style)
    ix.words = _build_words(ix)
    ix.pinyin, ix.loose, ix.deletes = build_fuzzy_tables(ix.roads, [c[0] for c in ix.compounds], [t[1] for t in ix.towns])
    return ix


def _build_words(ix: Index) -> dict[str, tuple[Entry, ...]]:
    words: dict[str, list[Entry]] = {k: list(v) for k, v in lx.generic_lexicon().items()}

    def add(surface: str, entry: Entry) -> None:
        if len(surface) >= 2 and entry not in words.setdefault(surface, []):
            words[surface].append(entry)

    for i, (_, name) in enumerate(ix.towns):
        add(name, (lx.TOWN, i, ""))
        for suf in lx.TOWN_SUFFIXES:  # every reading: 川沙新镇 is written 川沙 and 川沙新
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                add(name[: -len(suf)], (lx.TOWN, i, f"省略“{suf}”"))
    for i, (_, name, _) in enumerate(ix.committees):
        add(name, (lx.COMMITTEE, i, ""))
        base = name
        for suf in lx.COMMITTEE_SUFFIXES:
            if name.endswith(suf) and len(name) > len(suf) + 1:
                base = name[: -len(suf)]
                break
        for suf in lx.COMMITTEE_SUFFIXES:
            add(base + suf, (lx.COMMITTEE, i, ""))
        if base.endswith("村"):
            for suf in ("村委会", "村委", "村民委员会"):
                add(base[:-1] + suf, (lx.COMMITTEE, i, ""))
    for i, name in enumerate(ix.roads):
        add(name, (lx.ROAD, i, ""))
        for suf in lx.ROAD_SUFFIXES:
            if name.endswith(suf) and len(name) - len(suf) >= 2:
                add(name[: -len(suf)], (lx.ROAD, i, f"省略“{suf}”"))
                if len(suf) == 2 and suf[1] == "路":
                    add(name[:-1], (lx.ROAD, i, "省略“路”"))
                break
    for i, comp in enumerate(ix.compounds):
        add(comp[0], (lx.COMPOUND, i, ""))
    return {k: tuple(v) for k, v in words.items()}


# --- loading the standard file and caching the index -------------------------------------


def iter_standard_rows(path: str | Path) -> Iterator[list[str]]:
    """Rows of a standard-address CSV (optionally gzipped) in COLUMNS order."""
    p = Path(path)
    raw = gzip.open(p, "rb") if p.suffix == ".gz" else p.open("rb")  # noqa: SIM115 - closed by the with below
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader([fh.readline()]))
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ValueError(f"standard file {p} lacks columns: {', '.join(missing)}")
        pos = [header.index(c) for c in COLUMNS]
        in_order = pos == list(range(len(COLUMNS)))
        for line in fh:
            # plain lines split with str.split (3x faster than csv); quoted ones go through csv
            row = line.rstrip("\r\n").split(",") if '"' not in line else next(csv.reader([line]))
            if len(row) < len(header):
                if not line.strip():
                    continue
                raise ValueError(f"standard file {p}: short row {line[:80]!r}")
            yield row if in_order else [row[i] for i in pos]


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_path_for(path: str | Path, digest: str) -> Path:
    """Next to the input when its directory is writable, else $FANGKONG_CACHE_DIR or ~/.cache/fangkong."""
    p = Path(path).resolve()
    name = f".{p.name}.{digest[:16]}.v{INDEX_VERSION}.fkindex"
    if _writable(p.parent):
        return p.parent / name
    base = Path(os.environ.get("FANGKONG_CACHE_DIR") or Path.home() / ".cache" / "fangkong")
    return base / name


def _writable(directory: Path) -> bool:
    """Write bits and access both (root may write into a directory whose mode says read-only:
    a read-only data directory such as ../shared must be left alone)."""
    try:
        return bool(directory.stat().st_mode & 0o222) and os.access(directory, os.W_OK)
    except OSError:
        return False


def load_index(path: str | Path, *, use_cache: bool = True) -> tuple[Index, str]:
    """The index of a standard file: from the cache when present, else built and cached.

    Returns (index, "cache" | "built").
    """
    cache = cache_path_for(path, file_digest(path)) if use_cache else None
    if cache is not None and cache.exists():
        try:
            with cache.open("rb") as fh:
                ix = pickle.load(fh)  # noqa: S301 - our own cache file, keyed by content hash
            if isinstance(ix, Index):
                return ix, "cache"
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    ix = build_index(iter_standard_rows(path))
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".fkindex-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(ix, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
            stem = cache.name.rsplit(".v", 1)[0]
            for old in cache.parent.glob(stem + ".v*.fkindex"):  # caches of older index versions
                if old != cache:
                    old.unlink(missing_ok=True)
        except OSError:
            pass
    return ix, "built"

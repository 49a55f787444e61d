"""The project's own screening-day generator: the files of ``../shared/data/screening_sample``
(population, key areas, managed list, the four sources) and the expected orders ``truth.csv``.

    python -m fangkong.pipeline.screening.generator OUT_DIR --standard S.csv.gz \
        [--records 12000] [--people 200000] [--seed 20200222] [--as-of 2020-02-22] [--facts]

The truth comes from the generator's own knowledge of each person (where they stay, when and from
where they arrived, symptoms, managed), by the issue's default rules - never by running the
pipeline. Deterministic from the seed; streams every file to disk: memory holds the standard
file's rooms compactly (~60 MB for 1.6M rooms) and a few thousand rows of shuffle buffer, whatever
``n_records``/``n_people``. Person fields are functions of the person's number (ID numbers and
phones through bijections, so never repeated), which lets a population row be recomputed when the
same person appears in a source.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from fangkong.pipeline.address.index import iter_standard_rows
from fangkong.pipeline.screening import generator_text as tx

HEADERS = {
    "population.csv": ["id_number", "name", "phone", "address_id"],
    "key_areas.csv": ["area", "start_date", "end_date"],
    "managed.csv": ["id_number", "name", "since"],
    "sources/checkpoint.csv": ["登记时间", "道口", "姓名", "证件类型", "证件号码", "手机号码", "车牌号", "出发地", "目的地址"],
    "sources/rail.csv": ["姓名", "证件号码", "车次", "出发站", "出发城市", "到达时间", "手机号"],
    "sources/healthcloud.csv": ["填报时间", "姓名", "身份证号", "手机号", "居住地址", "近14天旅居史", "是否有症状", "返沪日期"],
    "sources/hotline.csv": ["工单编号", "受理时间", "来电号码", "诉求类别", "诉求内容", "诉求地址"],
    "truth.csv": ["key", "order_type", "committee_code", "address_id", "name", "phone", "members"],
}
FACTS = ["id_number", "name", "phone", "in_population", "room", "records", "arrival", "origin", "via",
         "managed", "symptom", "stays", "order_type"]
REGIONS = ("110105", "310115", "320102", "330302", "331002", "340102", "360102", "370102", "410102",
           "411502", "420102", "420103", "420902", "421102", "430102", "440103", "510104")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇轩然浩怡琪欣晨雨佳子涵梅娥国俊"
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                  "155", "156", "157", "158", "159", "180", "181", "182", "183", "184", "186", "187", "188",
                  "189", "199")
_M64 = (1 << 64) - 1
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_BIRTH0 = date(1940, 1, 1)
_DAYS = (date(2011, 12, 31) - _BIRTH0).days + 1


def _mix(x: int) -> int:
    """splitmix64: a person's fields are functions of (seed, number) without a per-person RNG."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _coprime_step(n: int, start: int) -> int:
    from math import gcd

    a = start % n or 1
    while gcd(a, n) != 1:
        a += 1
    return a


def id_checksum_ok(id_number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", id_number):
        return False
    return _CHECK[sum(int(c) * w for c, w in zip(id_number, _W, strict=False)) % 11] == id_number[17]


class Rooms:
    """The standard file's rooms, compactly: building rows once, per room a building number, a room
    text (interned) and the address id (as an int when the ids are ``<prefix><digits>``)."""

    def __init__(self, standard: Path | str) -> None:
        self.buildings: list[tuple[str, ...]] = []
        self.building_of = array("I")
        self.room_no: list[str] = []
        ids: list[str] = []
        seen: dict[tuple[str, ...], int] = {}
        rooms: dict[str, str] = {}
        for r in iter_standard_rows(standard):
            # town, committee_code, committee, road, lane, number, compound, building
            b = (r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9])
            bi = seen.get(b)
            if bi is None:
                bi = seen[b] = len(self.buildings)
                self.buildings.append(b)
            self.building_of.append(bi)
            self.room_no.append(rooms.setdefault(r[10], r[10]))
            ids.append(r[0])
        if not ids:
            raise ValueError(f"standard file {standard} has no rooms")
        m = re.fullmatch(r"(\D*)(\d+)", ids[0])
        self._prefix, self._width = (m.group(1), len(m.group(2))) if m else ("", 0)
        pat = re.compile(re.escape(self._prefix) + rf"\d{{{self._width}}}") if m else None
        if pat is not None and all(pat.fullmatch(i) for i in ids):
            self._ids: array | list[str] = array("Q", (int(i[len(self._prefix):]) for i in ids))
        else:
            self._ids = ids

    def __len__(self) -> int:
        return len(self.building_of)

    def address_id(self, i: int) -> str:
        v = self._ids[i]
        return v if isinstance(v, str) else f"{self._prefix}{v:0{self._width}d}"

    def committee(self, i: int) -> str:
        return self.buildings[self.building_of[i]][1]

    def text(self, rng: random.Random, i: int) -> str:
        town, _, committee, road, lane, number, compound, building = self.buildings[self.building_of[i]]
        return tx.messy_address(rng, town, committee, road, lane, number, compound, building, self.room_no[i])


class People:
    """Person number -> (ID number, name, phone); population members also -> room."""

    def __init__(self, seed: int, n_people: int, n_rooms: int) -> None:
        self.seed, self.n_people, self.n_rooms = seed, n_people, n_rooms
        self.id_space = len(REGIONS) * _DAYS * 1000
        self.id_a = _coprime_step(self.id_space, int(self.id_space * 0.6180339887) + seed % 9973)
        self.id_b = _mix(seed) % self.id_space
        self.phone_space = len(PHONE_PREFIXES) * 10**8
        self.ph_a = _coprime_step(self.phone_space, int(self.phone_space * 0.3819660113) + seed % 7919)
        self.ph_b = _mix(seed + 1) % self.phone_space
        self.region_sum = [sum(int(c) * w for c, w in zip(r, _W[:6], strict=True)) for r in REGIONS]
        self.days = [(_BIRTH0 + timedelta(days=d)).strftime("%Y%m%d") for d in range(_DAYS)]
        self.day_sum = [sum(int(c) * w for c, w in zip(s, _W[6:14], strict=True)) for s in self.days]
        self.seqs = [f"{s:03d}" for s in range(1000)]
        self.seq_sum = [sum(int(c) * w for c, w in zip(s, _W[14:], strict=True)) for s in self.seqs]

    def person(self, n: int) -> tuple[str, str, str]:
        j = (self.id_a * n + self.id_b) % self.id_space
        j, region = divmod(j, len(REGIONS))
        seq, day = divmod(j, _DAYS)
        check = _CHECK[(self.region_sum[region] + self.day_sum[day] + self.seq_sum[seq]) % 11]
        id_number = REGIONS[region] + self.days[day] + self.seqs[seq] + check
        h = _mix(self.seed * 1_000_000_007 + n)
        given = GIVEN[(h >> 8) % len(GIVEN)] + (GIVEN[(h >> 20) % len(GIVEN)] if h % 3 else "")
        name = SURNAMES[(h >> 32) % len(SURNAMES)] + given
        p = (self.ph_a * n + self.ph_b) % self.phone_space
        phone = f"{PHONE_PREFIXES[p // 10**8]}{p % 10**8:08d}"
        return id_number, name, phone

    def room(self, n: int) -> int:
        """Households of about two: consecutive population numbers share a room."""
        return _mix(self.seed * 31 + 7 + n // 2) % self.n_rooms


class _Shuffled:
    """A CSV writer that shuffles rows within a bounded buffer (exports are not in person order)."""

    def __init__(self, path: Path, header: list[str], rng: random.Random, size: int = 4096) -> None:
        self.fh = path.open("w", encoding="utf-8", newline="")
        self.w = csv.writer(self.fh)
        self.w.writerow(header)
        self.rng, self.size, self.rows = rng, size, 0
        self.buf: list[Iterable[str]] = []

    def add(self, row: Iterable[str]) -> None:
        self.buf.append(row)
        self.rows += 1
        if len(self.buf) >= self.size:
            self.flush()

    def flush(self) -> None:
        self.rng.shuffle(self.buf)
        self.w.writerows(self.buf)
        self.buf.clear()

    def close(self) -> None:
        self.flush()
        self.fh.close()


@dataclass
class GeneratedDay:
    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    people_in_sources: int = 0
    outside: int = 0
    seconds: float = 0.0


def generate_day(out_dir: Path | str, standard: Path | str, n_records: int = 12_000, n_people: int = 200_000,
                 seed: int = 20200222, as_of: date = date(2020, 2, 22), *, facts: bool = False,
                 rooms: Rooms | None = None) -> GeneratedDay:
    """Write one screening day into ``out_dir`` (see the module docstring); ``n_records`` is the
    number of source rows over the four sources, ``n_people`` the population size.
    ``facts=True`` also writes ``facts.csv`` (each source person's generated facts; for tests)."""
    from fangkong.pipeline.screening.generator_day import write_people, write_population

    t0 = time.perf_counter()
    out = Path(out_dir)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    rooms = rooms or Rooms(standard)
    people = People(seed, n_people, len(rooms))
    day = GeneratedDay(out)
    day.rows["population.csv"] = write_population(out / "population.csv", people, rooms)
    periods = tx.key_periods(as_of)
    with (out / "key_areas.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS["key_areas.csv"])
        w.writerows([a, s.isoformat(), e.isoformat() if e else ""] for a, s, e in periods)
    write_people(out, day, people, rooms, periods, n_records=n_records, seed=seed, as_of=as_of, facts=facts)
    day.seconds = time.perf_counter() - t0
    return day


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fangkong.pipeline.screening.generator",
                                 description="Generate a screening day with its truth.csv")
    ap.add_argument("out_dir")
    ap.add_argument("--standard", required=True)
    ap.add_argument("--records", type=int, default=12_000, help="source rows over the four sources")
    ap.add_argument("--people", type=int, default=200_000, help="population rows")
    ap.add_argument("--seed", type=int, default=20200222)
    ap.add_argument("--as-of", default="2020-02-22")
    ap.add_argument("--facts", action="store_true", help="also write facts.csv (per-person facts)")
    args = ap.parse_args(argv)
    day = generate_day(args.out_dir, args.standard, args.records, args.people, args.seed,
                       date.fromisoformat(args.as_of), facts=args.facts)
    print(f"wrote {args.out_dir} in {day.seconds:.1f}s: " + ", ".join(f"{k} {v:,}" for k, v in day.rows.items()))
    print(f"people in sources {day.people_in_sources:,} (outside the district {day.outside:,}); expected orders "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(day.orders.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())


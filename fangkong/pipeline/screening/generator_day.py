"""The day itself for :func:`fangkong.pipeline.screening.generator.generate_day`: the population,
then person after person (facts first, then their source rows, then their expected order by the
issue's default rules), then the 12345 orders in groups per room. Everything streams to disk.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path

from fangkong.pipeline.screening import generator_text as tx
from fangkong.pipeline.screening.generator import (
    FACTS,
    HEADERS,
    GeneratedDay,
    People,
    Rooms,
    _coprime_step,
    _mix,
    _Shuffled,
)

HOTLINE_SHARE = 0.07          # of all source rows (sample: 900 of 12,857)
IN_POPULATION = 0.68          # source people registered in the population (sample: ~68%)
HOME_ROOM = 0.72              # a registered person staying at their registered room
VISITOR_OUTSIDE = 0.2         # an unregistered person staying outside the district
TRAVEL_HC_ONLY = 0.28         # health-cloud-only people who report a trip (the rest: 无)
VIA = 0.12                    # a second place in the 14-day history
SYMPTOM = 0.03
MANAGED = 0.1                 # of people R1 would flag, already under home observation
MOVED = 0.1                   # checkpoint destination an older room, health cloud the newer one
TYPO = 0.02                   # per eligible record: one ID digit mistyped
# which sources a person appears in (sample: hc 47%, cp+hc 17%, rail+hc 15%, cp 13%, rail 8%)
COMBOS = (("hc",), ("cp", "hc"), ("rl", "hc"), ("cp",), ("rl",))
COMBO_WEIGHTS = (47, 17, 15, 13, 8)
GROUP_SIZES = (1, 2, 3, 4, 5)
GROUP_WEIGHTS = (78, 16, 4, 1.5, 0.5)
# cumulative weights once, not per call (same draws as weights=: random.choices accumulates them)
_PLACE_IDS = range(len(tx.PLACES))
_PLACE_CUM = list(accumulate(tx.PLACE_WEIGHTS))
_COMBO_CUM = list(accumulate(COMBO_WEIGHTS))
_GROUP_CUM = list(accumulate(GROUP_WEIGHTS))


@dataclass
class _Person:
    number: int
    id_number: str
    name: str
    phone: str
    in_pop: bool
    home: int | None
    combo: tuple[str, ...]


def write_population(path: Path, people: People, rooms: Rooms) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id_number", "name", "phone", "address_id"])
        for start in range(0, people.n_people, 10_000):
            batch = []
            for n in range(start, min(start + 10_000, people.n_people)):
                batch.append((*people.person(n), rooms.address_id(people.room(n))))
            w.writerows(batch)
    return people.n_people


def _place(rng: random.Random, city: str | None = None) -> int:
    if city:
        return next(i for i, p in enumerate(tx.PLACES) if p[1] == city)
    return rng.choices(_PLACE_IDS, cum_weights=_PLACE_CUM)[0]


def _trip(rng: random.Random, as_of: date) -> tuple[date, int]:
    """Arrival day and origin; one in ten lands on a boundary the rules must get right."""
    if rng.random() < 0.1:
        back, city = rng.choice(((13, None), (14, None), (1, "温州市"), (0, "温州市"), (4, "台州市"), (3, "台州市")))
        return as_of - timedelta(days=back), _place(rng, city or rng.choice(("武汉市", "信阳市", "孝感市")))
    return as_of - timedelta(days=rng.randrange(0, 20)), _place(rng)


def _at(rng: random.Random, d: date) -> datetime:
    return datetime.combine(d, time(rng.randrange(24), rng.randrange(60)))


class _Writers:
    def __init__(self, out: Path, rng: random.Random, facts: bool) -> None:
        self.files = {
            name: _Shuffled(out / f"sources/{name}.csv", HEADERS[f"sources/{name}.csv"], rng)
            for name in ("checkpoint", "rail", "healthcloud", "hotline")
        }
        self._fh = [(out / n).open("w", encoding="utf-8", newline="") for n in ("managed.csv", "truth.csv")]
        self.managed, self.truth = (csv.writer(f) for f in self._fh)
        self.managed.writerow(HEADERS["managed.csv"])
        self.truth.writerow(HEADERS["truth.csv"])
        self.facts = None
        if facts:
            self._fh.append((out / "facts.csv").open("w", encoding="utf-8", newline=""))
            self.facts = csv.writer(self._fh[-1])
            self.facts.writerow(FACTS)

    def close(self) -> dict[str, int]:
        for f in self.files.values():
            f.close()
        for fh in self._fh:
            fh.close()
        return {f"sources/{k}.csv": f.rows for k, f in self.files.items()}


def write_people(out: Path, day: GeneratedDay, people: People, rooms: Rooms,
                 periods: list[tuple[str, date, date | None]], *, n_records: int, seed: int, as_of: date,
                 facts: bool) -> None:
    rng = random.Random(seed)
    ws = _Writers(out, random.Random(seed + 1), facts)
    n_hot = round(n_records * HOTLINE_SHARE)
    budget = n_records - n_hot
    pa = _coprime_step(max(people.n_people, 1), 104_729 + seed % 997)
    pb = _mix(seed + 2) % max(people.n_people, 1)
    k_pop = k_vis = 0
    while budget > 0:
        combo = rng.choices(COMBOS, cum_weights=_COMBO_CUM)[0]
        if len(combo) > budget:
            combo = ("hc",)
        budget -= len(combo)
        if k_pop < people.n_people and rng.random() < IN_POPULATION:
            n = (pa * k_pop + pb) % people.n_people
            k_pop += 1
            home: int | None = people.room(n)
        else:
            n = people.n_people + k_vis
            k_vis += 1
            home = None
        p = _Person(n, *people.person(n), in_pop=home is not None, home=home, combo=combo)
        _one_person(rng, ws, day, p, rooms, periods, as_of)
    day.people_in_sources = k_pop + k_vis
    _hotline(rng, ws, day, rooms, n_hot, seed, as_of)
    day.rows.update(ws.close())
    day.rows["key_areas.csv"] = len(periods)


def _one_person(rng: random.Random, ws: _Writers, day: GeneratedDay, p: _Person, rooms: Rooms,
                periods: list[tuple[str, date, date | None]], as_of: date) -> None:
    n_rooms = len(rooms)
    # where they stay (a room index) or None when outside the district
    outside = False
    if p.home is not None:
        room: int | None = p.home if rng.random() < HOME_ROOM else rng.randrange(n_rooms)
    else:
        outside = rng.random() < VISITOR_OUTSIDE
        room = None if outside else rng.randrange(n_rooms)
    travels = p.combo != ("hc",) or rng.random() < TRAVEL_HC_ONLY
    arrival: datetime | None = None
    origin = via = -1
    if travels:
        d, origin = _trip(rng, as_of)
        arrival = _at(rng, d)
        if "hc" in p.combo and rng.random() < VIA:
            via = _place(rng)
    cp_room = room
    if "cp" in p.combo and "hc" in p.combo and room is not None and rng.random() < MOVED:
        cp_room = rng.randrange(n_rooms)
    # the records: (source, time, district room written in it or None)
    recs: list[tuple[str, datetime, int | None]] = []
    if arrival is not None and "cp" in p.combo:
        recs.append(("cp", arrival, cp_room))
    if arrival is not None and "rl" in p.combo:
        recs.append(("rl", arrival, None))
    symptom = False
    if "hc" in p.combo:
        cap = datetime.combine(as_of, time(23, 30))
        if arrival is not None:
            fill = min(arrival + timedelta(minutes=rng.randrange(60, 1800)), cap)
            fill = fill if fill > arrival else arrival + timedelta(minutes=5)
        else:
            fill = _at(rng, as_of - timedelta(days=rng.randrange(0, 4)))
        symptom = rng.random() < SYMPTOM
        recs.append(("hc", fill, room))
    # expected order, from the facts
    dated = [(t, r) for _, t, r in recs if r is not None]
    stay = max(dated)[1] if dated else p.home
    d_arr = arrival.date() if arrival else None
    r1 = bool(d_arr and as_of - timedelta(days=13) <= d_arr <= as_of and (
        tx.is_key(origin, d_arr, periods) or (via >= 0 and tx.is_key(via, d_arr, periods))))
    managed = (r1 and rng.random() < MANAGED) or rng.random() < 0.003
    if managed:
        since = min(d_arr + timedelta(days=rng.randrange(0, 3)), as_of) if d_arr else as_of - timedelta(days=3)
        ws.managed.writerow((p.id_number, p.name, since.isoformat()))
    r1 = r1 and not managed
    r2 = symptom and stay is not None
    order_type = ""
    if stay is not None and (r1 or r2):
        order_type = "symptom_check" if r2 else "home_check"
        ws.truth.writerow((p.id_number, order_type, rooms.committee(stay), rooms.address_id(stay), p.name,
                           p.phone, ""))
        day.orders[order_type] = day.orders.get(order_type, 0) + 1
    day.outside += stay is None
    # the source rows, as exported
    typo_at = -1
    if (p.in_pop or len(recs) > 1) and rng.random() < TYPO * len(recs):
        typo_at = rng.randrange(len(recs))
    for i, (src, t, r) in enumerate(recs):
        idt = tx.typo_id(rng, p.id_number) if i == typo_at else tx.messy_id(rng, p.id_number)
        phone = tx.messy_phone(rng, p.phone)
        addr = rooms.text(rng, r) if r is not None else tx.outside_address(rng) if outside else ""
        if src == "cp":
            plate = f"{rng.choice(tx.PLATE_PROVINCES)}{rng.choice('ABCDEFGH')}{rng.randrange(10**5):05d}"
            ws.files["checkpoint"].add((tx.checkpoint_time(rng, t), rng.choice(tx.CHECKPOINTS), p.name, "居民身份证",
                                        idt, phone, plate, tx.place_text(rng, origin), addr))
        elif src == "rl":
            train = f"{rng.choice('GD')}{rng.randrange(1, 3000)}"
            ws.files["rail"].add((p.name, idt, train, rng.choice(tx.PLACES[origin][3]), tx.place_text(rng, origin),
                                  tx.rail_time(rng, t), phone))
        else:
            history = "无"
            if arrival is not None:
                history = tx.place_text(rng, origin) + (f"、{tx.place_text(rng, via)}" if via >= 0 else "")
            back = tx.return_date(rng, arrival.date()) if arrival else ""
            ws.files["healthcloud"].add((tx.ts_iso(t), p.name, idt, phone, addr, history, "是" if symptom else "否",
                                         back))
    if ws.facts is not None:
        ws.facts.writerow((p.id_number, p.name, p.phone, int(p.in_pop), "" if stay is None else rooms.address_id(stay),
                           "+".join(s for s, _, _ in recs), d_arr.isoformat() if d_arr else "",
                           tx.PLACES[origin][1] if origin >= 0 else "", tx.PLACES[via][1] if via >= 0 else "",
                           int(managed), int(symptom), int(stay is not None), order_type))


def _hotline(rng: random.Random, ws: _Writers, day: GeneratedDay, rooms: Rooms, n_hot: int, seed: int,
             as_of: date) -> None:
    width = max(5, len(str(n_hot)))
    space = 10**width
    ha, hb = _coprime_step(space, 3_141_59 + seed % 101), _mix(seed + 3) % space
    ga, gb = _coprime_step(len(rooms), 2_718_281 + seed % 103), _mix(seed + 4) % len(rooms)
    k = g = 0
    last_room = 0
    other_w = [w for _, w in tx.HOTLINE_OTHER]

    def row(category: str, content: str, address: str) -> str:
        nonlocal k
        t = _at(rng, as_of - timedelta(days=rng.randrange(0, 3)))
        wid = f"{t:%Y%m%d}{(ha * k + hb) % space:0{width}d}"
        k += 1
        caller = tx.messy_phone(rng, f"1{rng.choice('3589')}{rng.randrange(10**9):09d}")
        ws.files["hotline"].add((wid, tx.ts_iso(t), caller, category, content, address))
        return wid

    while k < n_hot:
        x = rng.random()
        if x < 0.58 and g < len(rooms):  # one group per room: rooms never repeat across groups
            size = min(rng.choices(GROUP_SIZES, cum_weights=_GROUP_CUM)[0], n_hot - k)
            room = last_room = (ga * g + gb) % len(rooms)
            g += 1
            ids = []
            for _ in range(size):
                addr = rooms.text(rng, room)
                content = rng.choice(tx.HOTLINE_TEMPLATES).format(a=addr, p=tx.place_text(rng, _place(rng)))
                ids.append(row("疫情防控", content, addr if rng.random() > 0.11 else ""))
            ws.truth.writerow((f"HOTLINE:{min(ids)}", "hotline_check", rooms.committee(room),
                               rooms.address_id(room), "", "", ";".join(sorted(ids))))
            day.orders["hotline_check"] = day.orders.get("hotline_check", 0) + 1
        elif x < 0.62:
            addr = tx.outside_address(rng)
            content = rng.choice(tx.HOTLINE_TEMPLATES).format(a=addr, p=tx.place_text(rng, _place(rng)))
            row("疫情防控", content, addr if rng.random() < 0.7 else "")
        else:
            y = rng.random()
            addr = "" if y < 0.15 else rooms.text(rng, last_room if y < 0.25 else rng.randrange(len(rooms)))
            category = rng.choices(tx.HOTLINE_OTHER, other_w)[0][0]
            row(category, rng.choice(tx.HOTLINE_OTHER_TEXT), addr)

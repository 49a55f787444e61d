"""The screening-day generator: deterministic, the sample's formats, and a truth that follows the
issue's default rules (re-derived here from the generator's facts file, independently of its code)."""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from fangkong.pipeline.screening.generator import HEADERS, generate_day, id_checksum_ok, main
from fangkong.pipeline.screening.generator_text import PLACES
from fangkong.pipeline.screening.score import normalise_id, normalise_phone, score

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "screening_sample"
AS_OF = date(2020, 2, 22)
FILES = list(HEADERS)


@pytest.fixture(scope="module")
def standard(tmp_path_factory) -> Path:
    """600 rooms: two lane-style compounds and one building-style, in three committees."""
    path = tmp_path_factory.mktemp("std") / "standard.csv"
    rows, n = [], 0
    compounds = [("T04", "周家渡街道", "T04C027", "齐河第二社区", "上南路", "3855", "上南花城", False),
                 ("T12", "花木街道", "T12C003", "牡丹社区", "牡丹路", "60", "牡丹华庭", False),
                 ("T30", "川沙新镇", "T30C011", "城南社区", "川沙路", "", "川沙新苑", True)]
    for town_code, town, ccode, committee, road, lane, compound, by_building in compounds:
        for b in range(1, 11):
            for floor in range(1, 6):
                for r in range(1, 5):
                    n += 1
                    number, building = (str(100 + b * 2), "") if not by_building else ("1688", str(b))
                    rows.append([f"A{n:08d}", town_code, town, ccode, committee, road, lane, number, compound,
                                 building, f"{floor}0{r}", "121.5", "31.2"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["address_id", "town_code", "town", "committee_code", "committee", "road", "lane", "number",
                    "compound", "building", "room", "lng", "lat"])
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def day(standard, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("day")
    generate_day(out, standard, n_records=4000, n_people=3000, seed=7, as_of=AS_OF, facts=True)
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_same_seed_gives_the_same_bytes_and_another_seed_another_day(standard, day, tmp_path):
    generate_day(tmp_path / "a", standard, n_records=4000, n_people=3000, seed=7, as_of=AS_OF, facts=True)
    generate_day(tmp_path / "b", standard, n_records=4000, n_people=3000, seed=8, as_of=AS_OF)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (day / name).read_bytes(), name
    assert (tmp_path / "b" / "sources/checkpoint.csv").read_bytes() != (day / "sources/checkpoint.csv").read_bytes()


def test_files_have_the_sample_headers_and_the_asked_sizes(day):
    for name in FILES:
        with (day / name).open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == HEADERS[name], name
    assert len(_rows(day / "population.csv")) == 3000
    assert sum(len(_rows(day / f"sources/{s}.csv")) for s in ("checkpoint", "rail", "healthcloud", "hotline")) == 4000


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="../shared/data/screening_sample not present")
def test_headers_are_those_of_the_shared_sample():
    for name in FILES:
        with (SAMPLE / name).open(encoding="utf-8-sig") as fh:
            assert next(csv.reader(fh)) == HEADERS[name], name


def test_population_ids_valid_and_unique_phones_unique(day):
    pop = _rows(day / "population.csv")
    assert all(id_checksum_ok(p["id_number"]) for p in pop)
    assert len({p["id_number"] for p in pop}) == len(pop) == len({p["phone"] for p in pop})


def _key(place_city: str, d: date, areas: list[dict[str, str]]) -> bool:
    province = next(p[0] for p in PLACES if p[1] == place_city)
    return any(a["area"] in (province, place_city) and date.fromisoformat(a["start_date"]) <= d
               and (not a["end_date"] or d <= date.fromisoformat(a["end_date"])) for a in areas)


def test_truth_follows_the_default_rules(day):
    areas = _rows(day / "key_areas.csv")
    managed = {m["id_number"] for m in _rows(day / "managed.csv")}
    truth = {t["key"]: t for t in _rows(day / "truth.csv") if not t["key"].startswith("HOTLINE:")}
    seen: dict[int | str, int] = defaultdict(int)
    for f in _rows(day / "facts.csv"):
        d = date.fromisoformat(f["arrival"]) if f["arrival"] else None
        in_window = bool(d and AS_OF - timedelta(days=13) <= d <= AS_OF)
        key = bool(d and (_key(f["origin"], d, areas) or (f["via"] and _key(f["via"], d, areas))))
        r1 = in_window and key and f["id_number"] not in managed
        r2 = f["symptom"] == "1" and "hc" in f["records"]
        stays = f["stays"] == "1"
        expected = ("symptom_check" if r2 else "home_check") if stays and (r1 or r2) else ""
        got = truth.get(f["id_number"], {}).get("order_type", "")
        assert got == expected, f
        if got:
            assert truth[f["id_number"]]["address_id"] == f["room"]
        # the boundaries the issue names are present in the day
        if d and key and stays and not r2 and f["id_number"] not in managed:
            seen[(AS_OF - d).days] += 1
        seen["managed key"] += bool(in_window and key and f["id_number"] in managed)
        seen["outside"] += not stays
        seen["symptom without travel"] += bool(r2 and stays and not d)
    assert seen[13] and seen[14] and seen["managed key"] and seen["outside"] and seen["symptom without travel"]
    # AS_OF-14 from a key area gives no order, AS_OF-13 does (checked row by row above)
    assert all(t["committee_code"] for t in truth.values())


def test_key_area_last_day_included_next_day_not(day):
    """温州市 ends AS_OF-1 and 台州市 AS_OF-4 in the day's key areas: arrivals from there on those
    days are ordered, the day after is not (unless symptoms or another key place)."""
    truth = {t["key"] for t in _rows(day / "truth.csv")}
    cases = defaultdict(set)
    for f in _rows(day / "facts.csv"):
        if f["stays"] == "1" and f["symptom"] == "0" and not f["via"] and f["managed"] == "0" and f["arrival"]:
            cases[(f["origin"], f["arrival"])].add(f["id_number"] in truth)
    assert cases[("温州市", "2020-02-21")] == {True} and cases[("温州市", "2020-02-22")] == {False}
    assert cases[("台州市", "2020-02-18")] == {True} and cases[("台州市", "2020-02-19")] == {False}


def test_source_rows_belong_to_their_people_with_mess_and_typos(day):
    facts = {f["id_number"]: f for f in _rows(day / "facts.csv")}
    by_name_phone = {(f["name"], f["phone"]): f["id_number"] for f in facts.values()}
    typos, messy = 0, 0
    for src, id_col, phone_col in (("checkpoint", "证件号码", "手机号码"), ("rail", "证件号码", "手机号"),
                                   ("healthcloud", "身份证号", "手机号")):
        for r in _rows(day / f"sources/{src}.csv"):
            nid = normalise_id(r[id_col])
            messy += nid != r[id_col]
            if id_checksum_ok(nid):
                assert nid in facts
            else:
                typos += 1
                assert by_name_phone[(r["姓名"], normalise_phone(r[phone_col]))] in facts
    assert typos and messy


def test_people_in_the_population_use_their_registered_name_and_phone(day):
    pop = {p["id_number"]: p for p in _rows(day / "population.csv")}
    registered = [f for f in _rows(day / "facts.csv") if f["in_population"] == "1"]
    assert registered
    for f in registered:
        assert (pop[f["id_number"]]["name"], pop[f["id_number"]]["phone"]) == (f["name"], f["phone"])


def test_hotline_groups_are_one_per_room_of_epidemic_orders(day):
    hot = {r["工单编号"]: r for r in _rows(day / "sources/hotline.csv")}
    assert len(hot) == len(_rows(day / "sources/hotline.csv"))
    groups = [t for t in _rows(day / "truth.csv") if t["key"].startswith("HOTLINE:")]
    assert any(";" in g["members"] for g in groups)
    assert len({g["address_id"] for g in groups}) == len(groups)
    members = [m for g in groups for m in g["members"].split(";")]
    assert len(members) == len(set(members))
    assert all(hot[m]["诉求类别"] == "疫情防控" for m in members)
    for g in groups:
        assert g["key"] == "HOTLINE:" + min(g["members"].split(";"))
    address_only_in_content = [m for m in members if not hot[m]["诉求地址"]]
    assert address_only_in_content
    assert any(r["诉求类别"] != "疫情防控" for r in hot.values())


def test_truth_scores_perfectly_against_itself(day, tmp_path):
    truth = _rows(day / "truth.csv")
    out = tmp_path / "orders.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code",
                    "address_id", "rules", "source_record_ids"])
        for i, t in enumerate(truth):
            hot = t["key"].startswith("HOTLINE:")
            w.writerow([i, t["order_type"], "urgent" if t["order_type"] == "symptom_check" else "normal",
                        "" if hot else unicodedata.normalize("NFKC", t["key"]), t["name"], t["phone"],
                        t["committee_code"], t["address_id"], "", t["members"]])
    s = score(out, day / "truth.csv")
    assert (s.recall, s.precision, s.routing, s.duplicates) == (1.0, 1.0, 1.0, 0)


def test_cli_writes_a_day(standard, tmp_path, capsys):
    assert main([str(tmp_path / "d"), "--standard", str(standard), "--records", "200", "--people", "100"]) == 0
    assert "expected orders" in capsys.readouterr().out
    assert (tmp_path / "d" / "truth.csv").exists() and not (tmp_path / "d" / "facts.csv").exists()

"""The default rules R1–R3 on a constructed day: every rule and boundary of issue 6 (DuckDB)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from fangkong.pipeline.screening import ScreeningInputs, run_screening

from . import world
from .world import AS_OF, ID, typo


def _run(tmp: Path, rules: Path | None = None) -> tuple[dict[str, dict[str, str]], list[dict[str, str]], dict]:
    paths = world.build(tmp)
    out = tmp / "out" / "ORDERS.csv"
    summary = run_screening(ScreeningInputs(
        paths["sources"], paths["population"], paths["standard"], paths["key_areas"], paths["managed"], AS_OF, out,
        rules_path=rules))
    assert summary.orders_path == out
    with out.open(encoding="utf-8") as fh:
        orders = list(csv.DictReader(fh))
    by_key = {o["id_number"] or o["source_record_ids"]: o for o in orders}
    with summary.transfers_path.open(encoding="utf-8") as fh:
        transfers = list(csv.DictReader(fh))
    return by_key, transfers, json.loads(summary.quality_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("day"))


def test_arrival_on_as_of_minus_13_is_in_and_minus_14_is_out(day):
    orders, _, _ = day
    o = orders[ID["in13"]]
    assert (o["order_type"], o["priority"], o["rules"], o["committee_code"], o["address_id"]) == (
        "home_check", "normal", "R1", "T04C027", "A00000001")
    assert o["source_record_ids"] == "checkpoint:1"
    assert ID["out14"] not in orders


def test_key_area_last_day_counts_the_day_after_does_not(day):
    orders, _, _ = day
    assert orders[ID["lastday"]]["order_type"] == "home_check"  # 温州市 ends 2020-02-21, arrived 23:50 that day
    assert ID["afterend"] not in orders  # arrived 2020-02-22 00:10
    assert ID["beforestart"] not in orders  # 台州市 starts 2020-02-15, arrived 2020-02-14


def test_managed_person_gets_no_home_check_but_symptoms_still_urgent(day):
    orders, _, _ = day
    assert ID["managed"] not in orders
    o = orders[ID["managed_sym"]]
    assert (o["order_type"], o["priority"], o["rules"], o["committee_code"]) == ("symptom_check", "urgent", "R2", "T28C045")


def test_r1_and_r2_make_one_symptom_order_listing_both(day):
    orders, _, _ = day
    o = orders[ID["r1r2"]]
    assert (o["order_type"], o["priority"], o["rules"]) == ("symptom_check", "urgent", "R1;R2")
    assert [r["rule"] for r in json.loads(o["explanation"])["rules"]] == ["R1", "R2"]
    assert orders[ID["sym_only"]]["rules"] == "R2"  # lower-case x in the ID, no travel: symptoms alone


def test_id_typo_linked_by_name_and_phone_to_another_record(day):
    orders, _, _ = day
    o = orders[ID["typo"]]
    assert typo(ID["typo"]) not in orders
    assert (o["order_type"], o["rules"], o["source_record_ids"]) == ("symptom_check", "R1;R2", "checkpoint:4;healthcloud:4")


def test_id_typo_linked_by_name_and_phone_to_the_population(day):
    orders, _, _ = day
    o = orders[ID["typo_pop"]]  # the rail record's ID has a typo; the population has the person
    assert (o["order_type"], o["committee_code"], o["address_id"], o["source_record_ids"]) == (
        "home_check", "T25C002", "A00000013", "rail:4")


def test_population_address_when_records_have_none(day):
    orders, _, _ = day
    o = orders[ID["popaddr"]]
    assert (o["committee_code"], o["address_id"], o["town_code"]) == ("T28C044", "A00000016", "T28")
    assert "人口库" in json.loads(o["explanation"])["address"]


def test_messy_id_phone_and_compact_date_still_fire(day):
    orders, _, _ = day
    o = orders[ID["messy"]]  # leading apostrophe + full-width digits, 86- phone, 202002151010
    assert (o["phone"], o["committee_code"]) == ("13700000014", "T28C043")


def test_hotline_orders_for_one_room_merged_and_others_dropped(day):
    orders, _, _ = day
    hot = [o for o in orders.values() if o["order_type"] == "hotline_check"]
    assert len(hot) == 2
    room = next(o for o in hot if o["address_id"] == "A00000008")
    assert set(room["source_record_ids"].split(";")) == {"2020022000005", "2020022100007", "2020022200001"}
    assert room["order_id"].startswith("20200222-hotline_check-")
    content_only = next(o for o in hot if o["address_id"] == "A00000013")  # address only in 诉求内容
    assert content_only["source_record_ids"] == "2020022200004"
    ids = {i for o in hot for i in o["source_record_ids"].split(";")}
    assert "2020022200002" not in ids and "2020022200003" not in ids  # outside; not 疫情防控


def test_outside_district_people_are_listed_not_ordered(day):
    orders, transfers, _ = day
    assert ID["outside"] not in orders and ID["outside_noaddr"] not in orders
    listed = {t["id_number"]: t for t in transfers}
    assert set(listed) == {ID["outside"], ID["outside_noaddr"]}
    assert listed[ID["outside"]]["address_text"] == "徐汇区漕溪北路88号"
    assert listed[ID["outside_noaddr"]]["source_record_ids"] == "rail:5"


def test_one_order_per_person_and_contract_columns(day):
    orders, _, _ = day
    assert len(orders) == 11
    header = list(next(iter(orders.values())))
    assert header[:10] == ["order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code",
                           "address_id", "rules", "source_record_ids"]
    person_ids = [o["id_number"] for o in orders.values() if o["id_number"]]
    assert len(person_ids) == len(set(person_ids))


def test_quality_report_counts_problems_and_funnel(day):
    _, _, quality = day
    cp = quality["sources"]["checkpoint"]
    assert cp["rows"] == 7
    for kind in ("id_apostrophe", "id_fullwidth", "phone_separators", "phone_country_code"):
        assert cp["problems"][kind]["count"] >= 1, kind
    assert quality["sources"]["healthcloud"]["problems"]["id_checksum"]["examples"][0]["record_id"] == "healthcloud:4"
    assert quality["sources"]["healthcloud"]["problems"]["date_no_year"]["count"] == 1
    assert quality["sources"]["hotline"]["problems"]["address_from_content"]["count"] == 2
    assert quality["funnel"]["orders"] == 11
    assert quality["funnel"]["by_type"] == {"home_check": 5, "hotline_check": 2, "symptom_check": 4}
    assert quality["identification"]["checkpoint"]["outside"] == 1
    assert quality["unknown_files"] == []


def test_rerun_gives_the_same_bytes_and_unknown_files_are_reported(tmp_path):
    a = tmp_path / "a"
    _run(a)
    (a / "sources" / "notes.txt").write_text("not an export", encoding="utf-8")
    first = (a / "out" / "ORDERS.csv").read_bytes()
    _, _, quality = _run(a)
    assert (a / "out" / "ORDERS.csv").read_bytes() == first
    assert quality["unknown_files"] == ["notes.txt"]


def test_rules_file_changes_the_window(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"r1": {"window_days": 15}}), encoding="utf-8")
    orders, _, _ = _run(tmp_path / "d", rules)
    assert orders[ID["out14"]]["order_type"] == "home_check"


def test_missing_columns_and_empty_sources_do_not_crash(tmp_path):
    paths = world.build(tmp_path)
    (paths["sources"] / "rail.csv").write_text("姓名,证件号码\n张三,110105194912310021\n", encoding="utf-8")
    orders, _, quality = _run_existing(paths, tmp_path / "o1")
    assert quality["sources"]["rail"]["problems"]["file_unreadable"]["count"] == 1
    assert orders  # the other sources still give orders
    for f in paths["sources"].iterdir():
        f.unlink()
    orders, transfers, quality = _run_existing(paths, tmp_path / "o2")
    assert orders == {} and transfers == [] and quality["funnel"]["records"] == 0


def _run_existing(paths: dict[str, Path], out_dir: Path):
    summary = run_screening(ScreeningInputs(
        paths["sources"], paths["population"], paths["standard"], paths["key_areas"], paths["managed"], AS_OF,
        out_dir / "ORDERS.csv"))
    with summary.orders_path.open(encoding="utf-8") as fh:
        orders = {o["order_id"]: o for o in csv.DictReader(fh)}
    with summary.transfers_path.open(encoding="utf-8") as fh:
        transfers = list(csv.DictReader(fh))
    return orders, transfers, json.loads(summary.quality_path.read_text(encoding="utf-8"))


def test_problem_counts_and_examples_do_not_depend_on_the_partitioning() -> None:
    """Each partition counts its records' problems and keeps its first examples; merged, any
    split gives the counts and the five lowest row numbers that one partition gives."""
    import json
    import random

    from fangkong.pipeline.screening.run import _Quality, merge_problems, problems_partition

    rng = random.Random(7)
    rows = []
    for rn in range(1, 400):
        kinds = rng.sample(["id_checksum", "phone_invalid", "date_unreadable"], rng.randint(1, 2))
        rows.append(("rail" if rn % 3 else "hotline", str(rn), f"r:{rn}",
                     json.dumps([[k, "f", str(rn), "说明"] for k in kinds], ensure_ascii=False)))

    def report(parts: list[list[tuple[str, str, str, str]]]) -> dict:
        quality = _Quality()
        merge_problems([row for part in parts for row in problems_partition(iter(part))], quality)
        return quality.sources

    whole = report([rows])
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert report([shuffled[i::3] for i in range(3)]) == whole
    assert report([[r] for r in shuffled]) == whole
    examples = whole["rail"]["problems"]["id_checksum"]["examples"]
    assert len(examples) == 5
    numbers = [int(e["record_id"].split(":")[1]) for e in examples]
    assert numbers == sorted(numbers) and numbers[0] < 10  # the lowest row numbers, in order
    assert sum(p["count"] for s in whole.values() for p in s["problems"].values()) == sum(len(json.loads(r[3])) for r in rows)


def test_kept_counts_person_records_with_an_identity_and_every_record_of_other_sources() -> None:
    """``kept``: a person record counts with a valid ID or a name + phone; a source that names no
    person (the hotline) keeps every record. One aggregate on every engine (no NOT IN subquery)."""
    from fangkong.pipeline.engine import get_engine
    from fangkong.pipeline.screening.run import _Quality, _record_quality

    rows = [  # source, rn, record_id, id_number, id_valid, name, phone, problems
        ("rail", "1", "rail:1", "310115194001010060", "1", "王伟", None, None),  # valid ID
        ("rail", "2", "rail:2", "31011519400101006X", "0", "李娜", "13812345678", None),  # name + phone
        ("rail", "3", "rail:3", "31011519400101006X", "0", "张三", None, None),  # neither: not kept
        ("rail", "4", "rail:4", None, "0", None, "13812345678", None),  # neither
        ("hotline", "1", "20200220000001", None, "0", None, None, None),
        ("hotline", "2", "20200220000002", None, "0", None, "13812345678", None),
    ]
    columns = ["source", "rn", "record_id", "id_number", "id_valid", "name", "phone", "problems"]
    with get_engine("duckdb") as eng:
        quality = _Quality()
        _record_quality(eng, eng.from_rows(rows, columns), quality)
    assert {s: v["kept"] for s, v in quality.sources.items()} == {"rail": 2, "hotline": 2}

"""The screening scorer on small hand-built ORDERS/TRUTH files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from fangkong.pipeline.screening.score import main, normalise_id, normalise_phone, score

ORDER_COLS = ["order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code",
              "address_id", "rules", "source_record_ids"]
TRUTH_COLS = ["key", "order_type", "committee_code", "address_id", "name", "phone", "members"]

TRUTH = [
    ["42010219900307251X", "home_check", "T01C001", "A1", "张三", "13800138000", ""],
    ["310115198001011234", "symptom_check", "T01C002", "A2", "李四", "13900139000", ""],
    ["HOTLINE:2020022000005", "hotline_check", "T02C001", "A3", "", "", "2020022000005;2020022100007"],
]


def _write(path: Path, cols: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows(rows)
    return path


def _order(oid: str, typ: str, id_number: str = "", name: str = "", phone: str = "",
           committee: str = "T01C001", srcs: str = "checkpoint:1", priority: str = "normal") -> list[str]:
    return [oid, typ, priority, id_number, name, phone, committee, "", "R1", srcs]


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    return _write(tmp_path / "truth.csv", TRUTH_COLS, TRUTH)


def _score(tmp_path: Path, truth: Path, orders: list[list[str]]):
    return score(_write(tmp_path / "orders.csv", ORDER_COLS, orders), truth)


def test_normalisers_undo_export_mess():
    assert normalise_id("'４２０１０２ 19900307 251x") == "42010219900307251X"
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("86-13800138000") == "13800138000"


def test_perfect_run_scores_one(tmp_path, truth):
    s = _score(tmp_path, truth, [
        _order("o1", "home_check", "42010219900307251x", committee="T01C001"),
        _order("o2", "symptom_check", "310115198001011234", committee="T01C002", priority="urgent"),
        _order("o3", "hotline_check", committee="T02C001", srcs="2020022100007;2020022000005"),
    ])
    assert (s.recall, s.precision, s.routing, s.duplicates, s.urgent_ok) == (1.0, 1.0, 1.0, 0, True)
    assert s.by_type["hotline_check"].covered == 1


def test_messy_id_and_name_phone_both_count(tmp_path, truth):
    s = _score(tmp_path, truth, [
        _order("o1", "home_check", "'４２０１０２ 19900307 251x"),
        # a mistyped ID still counts through name + phone
        _order("o2", "symptom_check", "310115198001011235", "李四", "+86 139-0013-9000",
               committee="T01C002", priority="urgent"),
    ])
    assert s.covered == 2 and s.recall == pytest.approx(2 / 3)
    assert [m["key"] for m in s.missed] == ["HOTLINE:2020022000005"]


def test_second_order_for_a_person_is_a_duplicate_and_lowers_precision(tmp_path, truth):
    s = _score(tmp_path, truth, [
        _order("o1", "home_check", "42010219900307251X"),
        _order("o2", "home_check", "", "张三", "13800138000"),
        _order("o3", "home_check", "110101199001010000", "王五", "13700000000"),
    ])
    assert s.duplicates == 1 and s.duplicated[0]["order_ids"] == "o1;o2"
    assert s.correct_outputs == 1 and s.precision == pytest.approx(1 / 3)
    assert [f["order_id"] for f in s.false_positives] == ["o3"]


def test_wrong_committee_is_misrouted(tmp_path, truth):
    s = _score(tmp_path, truth, [_order("o1", "home_check", "42010219900307251X", committee="T09C009")])
    assert s.covered == 1 and s.routed == 0 and s.routing == 0.0
    assert s.misrouted == [{"key": "42010219900307251X", "expected": "T01C001", "got": "T09C009",
                            "order_id": "o1"}]


def test_hotline_group_must_be_named_whole(tmp_path, truth):
    partial = _score(tmp_path, truth, [_order("o1", "hotline_check", srcs="2020022000005", committee="T02C001")])
    assert partial.covered == 0 and partial.false_positives
    merged_too_much = _score(tmp_path, truth, [
        _order("o1", "hotline_check", srcs="2020022000005;2020022100007;2020022100009", committee="T02C001")])
    assert merged_too_much.covered == 0


def test_symptom_case_as_normal_home_check_is_flagged(tmp_path, truth):
    s = _score(tmp_path, truth, [_order("o1", "home_check", "310115198001011234", committee="T01C002")])
    assert s.covered == 1 and not s.urgent_ok
    assert s.type_ok == 0 and s.not_urgent[0]["key"] == "310115198001011234"


def test_cli_prints_summary_and_json(tmp_path, truth, capsys):
    orders = _write(tmp_path / "orders.csv", ORDER_COLS, [_order("o1", "home_check", "42010219900307251X")])
    assert main([str(orders), str(truth)]) == 0
    out = capsys.readouterr().out
    assert "recall:    33.3333% (1/3)" in out and "missed (2):" in out
    assert main([str(orders), str(truth), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["covered"] == 1 and data["by_type"]["home_check"]["recall"] == 1.0
    assert main([str(tmp_path / "nope.csv"), str(truth)]) == 2

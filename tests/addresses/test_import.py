"""Importing the standard-address CSV: good rows land, bad rows are reported, re-import is safe."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fangkong.addresses.keys import encode
from fangkong.addresses.models import StandardAddress
from fangkong.addresses.services import (
    DEMO_FILE,
    AddressImportError,
    ImportProgress,
    address_import_csv,
)
from fangkong.orgs.models import Compound

from ..conftest import SHARED_DATA, needs_shared_data
from .conftest import WriteCsv, address_row

pytestmark = pytest.mark.django_db

BUILDING = {
    "lane": "",
    "number": "1309",
    "road": "陆家嘴环路",
    "compound": "上南康公馆",
    "building": "1",
    "room": "101",
}


def snapshot() -> list[tuple[object, ...]]:
    fields = [f.attname for f in StandardAddress._meta.concrete_fields]
    return list(StandardAddress.objects.order_by("address_id").values_list(*fields))


def test_good_rows_become_rooms_with_labels_and_keys(pudong: object, write_csv: WriteCsv) -> None:
    path = write_csv([address_row("A1"), address_row("A2", **BUILDING)])
    report = address_import_csv(path=path)
    assert (report.rows_read, report.imported, report.created, report.error_count) == (2, 2, 2, 0)
    lane, building = StandardAddress.objects.select_related("town", "committee").order_by(
        "address_id"
    )
    assert (lane.town.code, lane.committee.code, lane.district_id) == ("T04", "T04C027", pudong.pk)  # type: ignore[attr-defined]
    assert lane.label == "上南路3855弄12号302室"
    assert lane.display_label == "上南路3855弄12号302室（齐河柏公寓）"
    assert (lane.road_key, lane.compound_key) == (
        encode("上南路3855号12号302"),
        encode("齐河柏公寓12号302"),
    )
    assert (lane.lng, lane.lat) == (121.5012, 31.1788)
    assert building.label == building.display_label == "陆家嘴环路1309号 上南康公馆 1号楼 101室"


def test_compounds_are_created_once_per_committee(pudong: object, write_csv: WriteCsv) -> None:
    rows = [address_row("A1"), address_row("A2", room="303"), address_row("A3", **BUILDING)]
    report = address_import_csv(path=write_csv(rows))
    again = address_import_csv(path=write_csv(rows))
    assert (report.compounds_created, again.compounds_created) == (2, 0)
    assert sorted(
        Compound.objects.filter(committee__code="T04C027").values_list("name", "town__code")
    ) == [
        ("上南康公馆", "T04"),
        ("齐河柏公寓", "T04"),
    ]


def test_bad_rows_are_reported_by_line_with_reasons_and_skipped(
    pudong: object, write_csv: WriteCsv, tmp_path: Path
) -> None:
    path = write_csv(
        [
            address_row("A1"),
            address_row("A2", town_code="T99"),
            address_row("A3", committee_code="T04C999"),
            address_row("A4", committee_code="T01C001"),
            address_row("A5", road=""),
            address_row("A6", lng="东经121"),
            address_row("A7", lane="", building=""),
            address_row("A1", room="303"),
            address_row("A9", lat="131.2"),
            address_row("A10", room="3" * 17),
        ]
    )
    errors_csv = tmp_path / "errors.csv"
    report = address_import_csv(path=path, errors_path=errors_csv)
    expected = [
        ["行号", "地址编码", "原因"],
        ["3", "A2", "未知的街镇代码：T99"],
        ["4", "A3", "未知的居村委代码：T04C999"],
        ["5", "A4", "居村委 T01C001 不属于街镇 T04"],
        ["6", "A5", "缺少必填字段：road"],
        ["7", "A6", "经度不是数字：“东经121”"],
        ["8", "A7", "弄（lane）和楼号（building）不能都为空"],
        ["9", "A1", "地址编码重复（第2行已出现）"],
        ["10", "A9", "纬度超出范围：131.2"],
        ["11", "A10", "字段过长：room（最多16个字符）"],
    ]
    with open(errors_csv, encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == expected
    assert [(e.line, e.address_id, e.reason) for e in report.errors] == [
        (int(r[0]), r[1], r[2]) for r in expected[1:]
    ]
    assert (report.error_count, report.imported) == (9, 1)
    assert list(StandardAddress.objects.values_list("address_id", "room")) == [("A1", "302")]


def test_a_row_with_the_wrong_number_of_columns_is_reported(pudong: object, tmp_path: Path) -> None:
    path = tmp_path / "rooms.csv"
    good = ",".join(address_row("A1").values())
    path.write_text(
        ",".join(address_row("x").keys()) + "\n" + good + "\nA2,T04,周家渡街道\n", encoding="utf-8"
    )
    report = address_import_csv(path=path)
    assert [(e.line, e.address_id, e.reason) for e in report.errors] == [
        (3, "A2", "列数不对：应为 13 列，实际 3 列")
    ]
    assert report.imported == 1


def test_reimporting_the_same_file_changes_nothing(pudong: object, write_csv: WriteCsv) -> None:
    path = write_csv([address_row(f"A{i}", room=str(100 + i)) for i in range(1, 8)])
    address_import_csv(path=path, batch_size=3)
    before = snapshot()
    report = address_import_csv(path=path, batch_size=3)
    assert (report.imported, report.created) == (7, 0)
    assert snapshot() == before


def test_reimporting_a_changed_row_updates_it_in_place(pudong: object, write_csv: WriteCsv) -> None:
    address_import_csv(path=write_csv([address_row("A1"), address_row("A2", room="303")]))
    pk = StandardAddress.objects.get(address_id="A1").pk
    report = address_import_csv(
        path=write_csv([address_row("A1", room="401", committee_code="T04C001", lat="31.2")])
    )
    room = StandardAddress.objects.select_related("committee").get(address_id="A1")
    assert (report.imported, report.created) == (1, 0)
    assert (room.pk, room.room, room.label, room.committee.code, room.lat) == (
        pk,
        "401",
        "上南路3855弄12号401室",
        "T04C001",
        31.2,
    )
    assert room.road_key == encode("上南路3855号12号401")
    assert StandardAddress.objects.count() == 2


def test_gzip_and_plain_csv_import_alike(pudong: object, write_csv: WriteCsv) -> None:
    plain = address_import_csv(path=write_csv([address_row("A1")], name="rooms.csv"))
    gzipped = address_import_csv(path=write_csv([address_row("A2")], name="rooms.csv.gz"))
    assert (plain.imported, gzipped.imported) == (1, 1)
    assert StandardAddress.objects.count() == 2


def test_a_file_without_the_columns_is_refused(pudong: object, write_csv: WriteCsv) -> None:
    path = write_csv([address_row("A1")], columns=["address_id", "road"])
    with pytest.raises(AddressImportError, match="文件缺少列：town_code"):
        address_import_csv(path=path)


def test_command_imports_only_the_towns_asked_for(
    pudong: object, write_csv: WriteCsv, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        address_row("A1"),
        address_row(
            "A2",
            town_code="T01",
            committee_code="T01C001",
            road="源深路",
            lane="2520",
            compound="福林华庭",
        ),
        address_row("A3", town_code="T13", committee_code="T99C001"),  # bad, but filtered out first
    ]
    call_command("import_addresses", str(write_csv(rows)), towns="T01", batch_size=1)
    assert list(StandardAddress.objects.values_list("address_id", flat=True)) == ["A2"]
    out = capsys.readouterr()
    assert "导入 1 行（新增 1）" in out.out and "其他街镇跳过 2 行" in out.out


def test_command_writes_the_error_report_and_says_where(
    pudong: object, write_csv: WriteCsv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    errors_csv = tmp_path / "errors.csv"
    call_command(
        "import_addresses",
        str(write_csv([address_row("A1", town_code="T99")])),
        errors=str(errors_csv),
    )
    out = capsys.readouterr()
    assert "第2行 A1：未知的街镇代码：T99" in out.err and "错误 1 行" in out.out
    assert errors_csv.read_text(encoding="utf-8-sig").splitlines()[1] == "2,A1,未知的街镇代码：T99"


def test_command_refuses_unknown_towns_and_missing_files(
    pudong: object, write_csv: WriteCsv, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="未知的街镇代码：T77"):
        call_command("import_addresses", str(write_csv([address_row("A1")])), towns="T04,T77")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_addresses", str(tmp_path / "nope.csv"))


def test_the_demo_subset_holds_the_four_demo_towns() -> None:
    with gzip.open(DEMO_FILE, "rt", encoding="utf-8", newline="") as fh:
        towns = {row["town_code"] for row in csv.DictReader(fh)}
    assert towns == {"T01", "T04", "T13", "T31"}


def test_the_demo_subset_imports_without_errors(pudong: object) -> None:
    report = address_import_csv(path=DEMO_FILE, batch_size=5000)
    assert (report.error_count, report.imported) == (0, 93_676)
    assert StandardAddress.objects.filter(town__code="T04").count() == 38_249


@needs_shared_data()
def test_the_demo_subset_is_exactly_those_towns_of_the_shared_file() -> None:
    with gzip.open(
        SHARED_DATA / "standard_addresses.csv.gz", "rt", encoding="utf-8", newline=""
    ) as fh:
        shared = [
            line
            for i, line in enumerate(fh)
            if i == 0 or line.split(",", 2)[1] in {"T01", "T04", "T13", "T31"}
        ]
    with gzip.open(DEMO_FILE, "rt", encoding="utf-8", newline="") as fh:
        assert fh.readlines() == shared


def test_progress_is_reported_after_each_batch_and_at_the_end(
    pudong: object, write_csv: WriteCsv
) -> None:
    seen: list[ImportProgress] = []
    address_import_csv(
        path=write_csv([address_row(f"A{i}", room=str(100 + i)) for i in range(5)]),
        batch_size=2,
        progress=seen.append,
    )
    assert [p.imported for p in seen] == [2, 4, 5]
    assert seen[-1].rows_read == 5 and seen[-1].rows_per_second > 0


def test_a_file_that_is_not_utf8_is_refused_with_the_line(pudong: object, tmp_path: Path) -> None:
    path = tmp_path / "rooms.csv"
    path.write_bytes(
        ",".join(address_row("x")).encode() + b"\n" + "A1,T04,周家渡街道".encode("gb18030") + b"\n"
    )
    with pytest.raises(AddressImportError, match="无法读取"):
        address_import_csv(path=path)

"""Writes to the standard address database: importing the standard-address CSV.

The file is streamed (plain or gzip) and written in batches of ``bulk_create`` upserts keyed on
``address_id``, one transaction per batch: memory stays flat for 1.6M rooms, a re-import
updates changed rows and leaves the rest as they were, and an interrupted import can simply be
run again. Bad rows are reported (line, address_id, reason) and skipped, never fatal.

A repeated ``address_id`` is reported when both rows fall in one batch; across batches the later
row wins, as it would in a second import (remembering 1.6M ids would break the flat memory).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import models, transaction

from fangkong.core.audit import audit_log
from fangkong.orgs.models import Committee, Compound, Town

from .keys import row_keys, standard_label
from .models import AddressDataVersion, StandardAddress

ADDRESS_COLUMNS = (
    "address_id", "town_code", "town", "committee_code", "committee", "road", "lane", "number",
    "compound", "building", "room", "lng", "lat",
)  # fmt: skip
REQUIRED_COLUMNS = ("address_id", "town_code", "committee_code", "road", "number", "compound", "room")  # fmt: skip
DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_addresses.csv.gz"
ERROR_REPORT_HEADER = ("行号", "地址编码", "原因")
UPDATE_FIELDS = [
    "district", "town", "committee", "road", "lane", "number", "compound", "building", "room",
    "lng", "lat", "label", "road_key", "compound_key",
]  # fmt: skip
KEPT_ERRORS = 50
_TEXT_FIELDS = ("address_id", "road", "lane", "number", "compound", "building", "room")
_ATTNAMES = [f.attname for f in StandardAddress._meta.concrete_fields]


def _max_length(name: str) -> int:
    model_field = StandardAddress._meta.get_field(name)
    assert isinstance(model_field, models.CharField) and model_field.max_length
    return model_field.max_length


_MAX_LENGTHS = {name: _max_length(name) for name in _TEXT_FIELDS}


class AddressImportError(Exception):
    """The file as a whole cannot be imported (unreadable, columns missing, unknown town)."""


@dataclass(frozen=True)
class RowError:
    line: int
    address_id: str
    reason: str


@dataclass(frozen=True)
class ImportProgress:
    rows_read: int
    imported: int
    errors: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


@dataclass
class AddressImportReport:
    rows_read: int = 0
    imported: int = 0  # rows written: new ones plus existing ones updated (or rewritten unchanged)
    created: int = 0
    skipped_other_towns: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first KEPT_ERRORS
    compounds_created: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


def open_text(path: Path) -> TextIO:
    """Open a CSV for reading, gunzipping on the fly when the file is gzip (by content, not name)."""
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


class _Orgs:
    """The codes of the org tree, loaded once: validation must not cost a query per row."""

    def __init__(self) -> None:
        self.towns = {
            code: (pk, district_id)
            for pk, code, district_id in Town.objects.values_list("pk", "code", "district_id")
        }
        self.committees = {
            code: (pk, town_id)
            for pk, code, town_id in Committee.objects.values_list("pk", "code", "town_id")
        }
        self.town_of_committee = {pk: town_id for pk, town_id in self.committees.values()}
        self.compounds = set(Compound.objects.values_list("committee_id", "name"))


def _coordinate(raw: str, name: str, limit: float) -> tuple[float | None, str]:
    if not raw:
        return None, ""
    try:
        value = float(raw)
    except ValueError:
        return None, f"{name}不是数字：“{raw}”"
    if not math.isfinite(value) or abs(value) > limit:
        return None, f"{name}超出范围：{raw}"
    return value, ""


def _build(values: dict[str, str], orgs: _Orgs) -> StandardAddress | str:
    """A room ready to save, or why the row cannot be imported."""
    missing = [name for name in REQUIRED_COLUMNS if not values[name]]
    if missing:
        return f"缺少必填字段：{'、'.join(missing)}"
    if not values["lane"] and not values["building"]:
        return "弄（lane）和楼号（building）不能都为空"
    too_long = [name for name in _TEXT_FIELDS if len(values[name]) > _MAX_LENGTHS[name]]
    if too_long:
        return "字段过长：" + "、".join(
            f"{name}（最多{_MAX_LENGTHS[name]}个字符）" for name in too_long
        )
    town = orgs.towns.get(values["town_code"])
    if town is None:
        return f"未知的街镇代码：{values['town_code']}"
    committee = orgs.committees.get(values["committee_code"])
    if committee is None:
        return f"未知的居村委代码：{values['committee_code']}"
    if committee[1] != town[0]:
        return f"居村委 {values['committee_code']} 不属于街镇 {values['town_code']}"
    lng, lng_error = _coordinate(values["lng"], "经度", 180)
    lat, lat_error = _coordinate(values["lat"], "纬度", 90)
    if lng_error or lat_error:
        return "；".join(e for e in (lng_error, lat_error) if e)
    parts = {
        name: values[name] for name in ("road", "lane", "number", "compound", "building", "room")
    }
    road_key, compound_key = row_keys(**parts)
    attributes: dict[str, Any] = {
        **parts,
        "id": None,
        "address_id": values["address_id"],
        "district_id": town[1],
        "town_id": town[0],
        "committee_id": committee[0],
        "lng": lng,
        "lat": lat,
        "label": standard_label(**parts),
        "road_key": road_key,
        "compound_key": compound_key,
    }
    # Positional arguments: Model.__init__ takes them a third faster than keywords (1.6M rows).
    ordered: Any = [attributes[name] for name in _ATTNAMES]
    return StandardAddress(*ordered)


def address_data_changed() -> None:
    """Bump the data version that keys the matching index (``matching.data_version``)."""
    from django.db.models import F
    from django.utils import timezone

    if not AddressDataVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now()):
        AddressDataVersion.objects.get_or_create(pk=1, defaults={"version": 1})


def address_create(
    *,
    address_id: str,
    committee: Committee,
    road: str,
    number: str,
    room: str,
    compound: str,
    lane: str = "",
    building: str = "",
    lng: float | None = None,
    lat: float | None = None,
) -> StandardAddress:
    """Create one room with its label and search keys (for test fixtures and demo data)."""
    parts = {
        "road": road,
        "lane": lane,
        "number": number,
        "compound": compound,
        "building": building,
        "room": room,
    }
    road_key, compound_key = row_keys(**parts)
    address_data_changed()
    return StandardAddress.objects.create(
        address_id=address_id,
        district_id=committee.district_id,
        town_id=committee.town_id,
        committee=committee,
        lng=lng,
        lat=lat,
        label=standard_label(**parts),
        road_key=road_key,
        compound_key=compound_key,
        **parts,
    )


@contextmanager
def _error_report(path: Path | None) -> Iterator[Callable[[RowError], None]]:
    if path is None:
        yield lambda error: None
        return
    # utf-8-sig so that Excel, which is what the error report is opened with, reads the Chinese.
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ERROR_REPORT_HEADER)
        yield lambda error: writer.writerow((error.line, error.address_id, error.reason))


def _save_batch(rooms: list[StandardAddress], orgs: _Orgs, report: AddressImportReport) -> None:
    new_compounds = {(r.committee_id, r.compound) for r in rooms} - orgs.compounds
    with transaction.atomic():
        if new_compounds:
            Compound.objects.bulk_create(
                [
                    Compound(committee_id=c, town_id=orgs.town_of_committee[c], name=name)
                    for c, name in sorted(new_compounds)
                ],
                ignore_conflicts=True,  # created meanwhile by someone else: fine
            )
        StandardAddress.objects.bulk_create(
            rooms, update_conflicts=True, unique_fields=["address_id"], update_fields=UPDATE_FIELDS
        )
    orgs.compounds |= new_compounds
    report.compounds_created += len(new_compounds)
    report.imported += len(rooms)


def _parse(
    fh: TextIO, *, orgs: _Orgs, wanted: set[str] | None, report: AddressImportReport
) -> Iterator[tuple[int, str, StandardAddress | str]]:
    """(line number, address_id, room or why not) for each row of the wanted towns."""
    reader = csv.reader(fh)
    header = [name.strip() for name in next(reader, [])]
    absent = [name for name in ADDRESS_COLUMNS if name not in header]
    if absent:
        raise AddressImportError(
            f"文件缺少列：{', '.join(absent)}（需要 {','.join(ADDRESS_COLUMNS)}）"
        )
    positions = [(name, header.index(name)) for name in ADDRESS_COLUMNS]
    town_position, id_position = header.index("town_code"), header.index("address_id")
    for row in reader:
        report.rows_read += 1
        if len(row) != len(header):
            if row:  # a blank line is not worth a report line
                address_id = row[id_position].strip() if id_position < len(row) else ""
                yield (
                    reader.line_num,
                    address_id,
                    f"列数不对：应为 {len(header)} 列，实际 {len(row)} 列",
                )
            continue
        if wanted is not None and row[town_position].strip() not in wanted:
            report.skipped_other_towns += 1
            continue
        values = {name: row[i].strip() for name, i in positions}
        yield reader.line_num, values["address_id"], _build(values, orgs)


def address_import_csv(
    *,
    path: Path,
    towns: Collection[str] | None = None,
    batch_size: int = 5000,
    errors_path: Path | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
    actor: Any = None,
) -> AddressImportReport:
    """Create or update rooms from a standard-address CSV (``ADDRESS_COLUMNS``). Idempotent.

    ``towns`` keeps only rows of those town codes. Bad rows are skipped and reported in the
    returned report and, when ``errors_path`` is given, in a CSV there (行号, 地址编码, 原因).
    Missing ``orgs.Compound`` rows are created for each (committee, compound name).
    """
    if batch_size < 1:
        raise AddressImportError("批量大小必须大于 0")
    orgs = _Orgs()
    wanted = set(towns) if towns else None
    unknown = sorted((wanted or set()) - set(orgs.towns))
    if unknown:
        raise AddressImportError(f"未知的街镇代码：{', '.join(unknown)}（请先导入组织架构）")
    report = AddressImportReport()
    started = time.monotonic()
    count_before = StandardAddress.objects.count()

    def tell() -> None:
        if progress is not None:
            elapsed = time.monotonic() - started
            progress(ImportProgress(report.rows_read, report.imported, report.error_count, elapsed))

    try:
        fh = open_text(path)
    except OSError as exc:
        raise AddressImportError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    with fh, _error_report(errors_path) as write_error:
        batch: dict[str, tuple[int, StandardAddress]] = {}
        try:
            for line, address_id, built in _parse(fh, orgs=orgs, wanted=wanted, report=report):
                if address_id in batch and not isinstance(built, str):
                    # One upsert statement cannot touch a row twice (PostgreSQL refuses it).
                    built = f"地址编码重复（第{batch[address_id][0]}行已出现）"
                if isinstance(built, str):
                    error = RowError(line, address_id, built)
                    report.error_count += 1
                    if len(report.errors) < KEPT_ERRORS:
                        report.errors.append(error)
                    write_error(error)
                    continue
                batch[address_id] = (line, built)
                if len(batch) >= batch_size:
                    _save_batch([room for _, room in batch.values()], orgs, report)
                    batch.clear()
                    tell()
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
            raise AddressImportError(f"文件第{report.rows_read + 1}行附近无法读取：{exc}") from exc
        if batch:
            _save_batch([room for _, room in batch.values()], orgs, report)
    report.created = StandardAddress.objects.count() - count_before
    address_data_changed()
    report.seconds = time.monotonic() - started
    tell()
    audit_log(
        actor=actor,
        action="addresses.import",
        object_type="StandardAddress",
        detail={
            "file": path.name,
            "towns": sorted(wanted) if wanted else [],
            "rows_read": report.rows_read,
            "imported": report.imported,
            "created": report.created,
            "errors": report.error_count,
            "compounds_created": report.compounds_created,
        },
    )
    return report

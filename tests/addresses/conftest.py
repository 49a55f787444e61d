"""Fixtures of the address tests: small standard-address CSVs in tmp_path, and a few estates.

Estates (all real committees of the vendored org tree):
- 齐河柏公寓 (齐河第二社区, 周家渡街道): lane-style, 上南路3855弄 1/2/10/12号, rooms 101 … 1002
- 上南康公馆 (齐河第二社区): building-style, 陆家嘴环路1309号 1/2号楼, rooms 101, 102, 1101
- 福林华庭 (上南花城社区, 上钢新村街道): lane-style, 源深路2520弄1号, rooms 101, 102
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from fangkong.addresses.models import StandardAddress
from fangkong.addresses.services import ADDRESS_COLUMNS, address_create
from fangkong.orgs.models import Committee

QIHE_NUMBERS = ("1", "2", "10", "12")
QIHE_ROOMS = ("101", "102", "201", "302", "902", "1001", "1002")

WriteCsv = Callable[..., Path]


def address_row(address_id: str, **values: str) -> dict[str, str]:
    """A valid row of 齐河柏公寓 (上南路3855弄12号302室) unless overridden."""
    row = {
        "address_id": address_id,
        "town_code": "T04",
        "town": "周家渡街道",
        "committee_code": "T04C027",
        "committee": "齐河第二社区",
        "road": "上南路",
        "lane": "3855",
        "number": "12",
        "compound": "齐河柏公寓",
        "building": "",
        "room": "302",
        "lng": "121.5012",
        "lat": "31.1788",
    }
    row.update(values)
    return row


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """``write_csv(rows, name="rooms.csv", columns=ADDRESS_COLUMNS)``; gzipped if name ends .gz."""

    def write(
        rows: Iterable[dict[str, str]],
        name: str = "rooms.csv",
        columns: Iterable[str] = ADDRESS_COLUMNS,
    ) -> Path:
        path = tmp_path / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
            writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


@pytest.fixture
def estates(pudong: object) -> dict[str, StandardAddress]:
    """The three estates above, keyed by label."""
    qihe = Committee.objects.get(code="T04C027")
    huacheng = Committee.objects.get(code="T01C001")
    created: list[StandardAddress] = []
    n = 0

    def add(committee: Committee, **parts: Any) -> None:
        nonlocal n
        n += 1
        created.append(address_create(address_id=f"A9{n:07d}", committee=committee, **parts))

    for number in QIHE_NUMBERS:
        for room in QIHE_ROOMS:
            add(qihe, road="上南路", lane="3855", number=number, compound="齐河柏公寓", room=room)
    for building in ("1", "2"):
        for room in ("101", "102", "1101"):
            add(
                qihe,
                road="陆家嘴环路",
                number="1309",
                compound="上南康公馆",
                building=building,
                room=room,
            )
    for room in ("101", "102"):
        add(huacheng, road="源深路", lane="2520", number="1", compound="福林华庭", room=room)
    return {a.label: a for a in created}


@pytest.fixture(autouse=True)
def _address_index_dir(settings: Any, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Each test builds its matching index into its own directory, and no process copy leaks."""
    from fangkong.addresses import matching

    settings.ADDRESS_INDEX_DIR = tmp_path / "address-index"
    matching.forget_index()
    yield
    matching.forget_index()

"""Work orders of the screening tests, as ORDERS.csv rows (the pipeline's contract) or rows.

Places: 齐河第二社区 (T04C027) and 上南一村 (T04C001) in 周家渡街道 (T04); 上南花城社区 (T01C001) in
上钢新村街道 (T01). Personas come from tests/conftest.py.
"""

from __future__ import annotations

import csv
import itertools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

COLUMNS = ["order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code", "address_id", "rules",
           "source_record_ids", "town_code", "address_text", "match_status", "candidates", "explanation"]
_ids = itertools.count(1)

EXPLANATION = {
    "rules": [{"rule": "R1", "text": "2020-02-15 自湖北省武汉市来沪（道口登记），14天内，武汉市为重点地区。"}],
    "records": [{"record_id": "checkpoint:17", "source": "checkpoint", "time": "2020-02-15 20:10",
                 "fields": {"道口": "G60沪昆高速枫泾", "姓名": "王伟", "证件号码": "42010619800101123X",
                            "出发地": "湖北省武汉市", "目的地址": "航亭环路1343弄1号101室"}}],
}


def order_row(**kw: Any) -> dict[str, str]:
    n = next(_ids)
    row = {"order_id": f"20200222-home_check-{n:012x}", "order_type": "home_check", "priority": "normal",
           "id_number": f"4201061980010{n:05d}", "name": "王伟", "phone": f"139{n:08d}", "committee_code": "T04C027",
           "address_id": "A90000001", "rules": "R1", "source_record_ids": "checkpoint:17", "town_code": "T04",
           "address_text": "航亭环路1343弄1号101室", "match_status": "matched", "candidates": "[]",
           "explanation": json.dumps(EXPLANATION, ensure_ascii=False)}
    row.update({k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in kw.items()})
    return row


def write_orders(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_order(committee: Any = None, *, town: Any = None, status: str | None = None, order_type: str = "home_check",
               **kw: Any) -> Any:
    """A work order straight in the database (for tests of what happens after the import)."""
    from fangkong.screening.clocks import clock_for
    from fangkong.screening.models import OrderStatus, WorkOrder

    n = next(_ids)
    now = timezone.now()
    clock = clock_for(order_type)
    town = committee.town if committee is not None else town
    fields: dict[str, Any] = {
        "order_id": f"20200222-{order_type}-{n:012x}", "as_of": now.date(), "order_type": order_type,
        "priority": "urgent" if order_type == "symptom_check" else "normal",
        "status": status or (OrderStatus.PENDING_ACCEPT if committee else OrderStatus.PENDING_DISPATCH),
        "id_number": f"4201061980010{n:05d}", "name": "李娜", "phone": f"138{n:08d}",
        "district_id": (town.district_id if town else kw.pop("district").pk), "town": town, "committee": committee,
        "address_label": "航亭环路1343弄1号101室", "rules": "R1", "source_record_ids": "checkpoint:3",
        "explanation": EXPLANATION, "created_at": now, "routed_at": now if committee else None,
        "accept_due": now + clock.accept, "result_due": now + clock.result,
    }
    fields.update(kw)
    return WorkOrder.objects.create(**fields)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def t04(pudong: Any) -> Any:
    from fangkong.orgs.models import Town

    return Town.objects.get(code="T04")


def hours_ago(h: float) -> Any:
    return timezone.now() - timedelta(hours=h)

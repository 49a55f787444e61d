"""ORDERS.csv (the screening pipeline's output, see docs of ``fangkong.pipeline.screening``) →
work orders, idempotently.

``order_id`` is deterministic per day and person, so the import upserts on it: a re-run of a day
creates nothing twice, an order still open gets the newest evidence (rules, records,
explanation), a closed one is left closed. A new order that names a committee goes straight to
it (待签收); one that names only a town waits there (待派单) with its address candidates; one with
neither waits at the district. An order waiting at its town also goes to the town's 地址复核
queue with its address text and candidates (``services_address``), once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.addresses.models import StandardAddress
from fangkong.core.audit import audit_log
from fangkong.orgs.models import Committee, District, Town

from .clocks import clock_for
from .models import (
    OPEN_STATUSES,
    EventKind,
    OrderEvent,
    OrderStatus,
    OrderType,
    ScreeningRun,
    WorkOrder,
)
from .notify import NewOrder, notify_new_orders
from .services_address import orders_request_address_reviews

REQUIRED_COLUMNS = ("order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code",
                    "address_id", "rules", "source_record_ids")
EVIDENCE_FIELDS = ("rules", "source_record_ids", "explanation", "candidates", "priority")
BATCH = 2000


class OrdersFileError(ValueError):
    """The file is not an ORDERS.csv (missing columns); rows with problems are reported, not raised."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    routed: int = 0
    at_town: int = 0
    at_district: int = 0
    updated: int = 0
    unchanged: int = 0
    closed_kept: int = 0
    address_reviews: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    new_orders: list[NewOrder] = field(default_factory=list)  # for the SMS of the batch, not stored
    sms: int = 0

    def as_dict(self) -> dict[str, Any]:
        keys = ("rows", "created", "routed", "at_town", "at_district", "updated", "unchanged", "closed_kept",
                "address_reviews", "sms")
        return {k: getattr(self, k) for k in keys} | {"errors": self.errors[:50], "error_count": len(self.errors)}


def _json(value: str, default: Any) -> Any:
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


def read_orders(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise OrdersFileError("ORDERS.csv 缺少列：" + "、".join(missing))
        for n, row in enumerate(reader, start=1):
            yield n, {k: (v or "").strip() for k, v in row.items() if k}


def _as_of(order_id: str, fallback: date) -> date:
    try:
        return datetime.strptime(order_id[:8], "%Y%m%d").date()
    except ValueError:
        return fallback


class _Orgs:
    """Committee and town codes of the district, loaded once per import."""

    def __init__(self, district: District) -> None:
        self.committees = {code: (pk, town_id, name) for pk, code, town_id, name in
                           Committee.objects.filter(district=district).values_list("pk", "code", "town_id", "name")}
        self.towns = dict(Town.objects.filter(district=district).values_list("code", "pk"))

    def candidates(self, raw: list[Any]) -> list[dict[str, Any]]:
        out = []
        for c in raw if isinstance(raw, list) else []:
            if not isinstance(c, dict):
                continue
            hit = self.committees.get(str(c.get("committee_code") or ""))
            out.append({**c, "committee_id": hit[0] if hit else None, "committee_name": hit[2] if hit else ""})
        return out


def _labels(address_ids: set[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    ids = sorted(a for a in address_ids if a)
    for i in range(0, len(ids), BATCH):
        labels.update(StandardAddress.objects.filter(address_id__in=ids[i:i + BATCH]).values_list("address_id", "label"))
    return labels


def _build(row: dict[str, str], orgs: _Orgs, district: District, run: ScreeningRun | None, now: datetime,
           fallback: date, labels: dict[str, str]) -> WorkOrder:
    order_type = row["order_type"]
    clock = clock_for(order_type)
    committee = orgs.committees.get(row.get("committee_code", ""))
    town_id = committee[1] if committee else orgs.towns.get(row.get("town_code", ""))
    if committee is None and town_id is None:
        # No town column value: the candidates may still agree on one town.
        towns = {orgs.committees[c["committee_code"]][1] for c in _json(row.get("candidates", ""), [])
                 if isinstance(c, dict) and c.get("committee_code") in orgs.committees}
        town_id = towns.pop() if len(towns) == 1 else None
    address_id = row.get("address_id", "") if committee else ""
    return WorkOrder(
        order_id=row["order_id"], run=run, as_of=_as_of(row["order_id"], fallback), order_type=order_type,
        priority="urgent" if row.get("priority") == "urgent" else "normal",
        status=OrderStatus.PENDING_ACCEPT if committee else OrderStatus.PENDING_DISPATCH,
        id_number=row.get("id_number", "")[:32], name=row.get("name", "")[:64], phone=row.get("phone", "")[:32],
        district=district, town_id=town_id, committee_id=committee[0] if committee else None,
        address_id=address_id[:32], address_label=(labels.get(address_id) or row.get("address_text", ""))[:300],
        match_status=row.get("match_status", "")[:16], rules=row.get("rules", "")[:64],
        source_record_ids=row.get("source_record_ids", ""), explanation=_json(row.get("explanation", ""), {}),
        candidates=orgs.candidates(_json(row.get("candidates", ""), [])), created_at=now,
        routed_at=now if committee else None, accept_due=now + clock.accept, result_due=now + clock.result,
    )


def orders_import(*, path: Path, district: District, run: ScreeningRun | None = None, actor: Any = None,
                  now: datetime | None = None) -> ImportResult:
    """Upsert the orders of ``path``; returns what happened (also written to ``run.imported``)."""
    now = now or timezone.now()
    fallback = run.as_of if run else timezone.localdate()
    result = ImportResult()
    orgs = _Orgs(district)
    rows: list[dict[str, str]] = []
    for n, row in read_orders(path):
        result.rows += 1
        if not row.get("order_id"):
            result.errors.append({"row": n, "message": "缺少工单号"})
        elif row.get("order_type") not in OrderType.values:
            result.errors.append({"row": n, "message": f"未知的工单类型“{row.get('order_type')}”"})
        else:
            rows.append(row)
    with transaction.atomic():
        # One import per district at a time: a second run of the same day waits, then finds
        # every order already there.
        District.objects.select_for_update().filter(pk=district.pk).first()
        for i in range(0, len(rows), BATCH):
            _import_batch(rows[i:i + BATCH], orgs, district, run, now, fallback, result)
        # One SMS per committee (and per town for urgent ones) for the whole import, in its transaction.
        batch = f"run{run.pk}" if run else min((o.order_id for o in result.new_orders), default="")
        result.sms = notify_new_orders(result.new_orders, batch=batch)
        audit_log(actor=actor, action="screening.import", object_type="screening_run", object_id=run.pk if run else "",
                  district_id=district.pk, detail=result.as_dict() | {"errors": result.errors[:5]})
    return result


def _import_batch(rows: list[dict[str, str]], orgs: _Orgs, district: District, run: ScreeningRun | None,
                  now: datetime, fallback: date, result: ImportResult) -> None:
    existing = {o.order_id: o for o in WorkOrder.objects.filter(order_id__in=[r["order_id"] for r in rows]).only(
        "pk", "order_id", "status", *EVIDENCE_FIELDS)}
    labels = _labels({r.get("address_id", "") for r in rows if r["order_id"] not in existing})
    new: dict[str, WorkOrder] = {}
    changed: list[WorkOrder] = []
    for row in rows:
        order = existing.get(row["order_id"])
        if order is None:
            if row["order_id"] not in new:  # a file naming one order twice keeps the first
                new[row["order_id"]] = _build(row, orgs, district, run, now, fallback, labels)
            continue
        if order.status not in OPEN_STATUSES:
            result.closed_kept += 1
            continue
        fresh = _build(row, orgs, district, run, now, fallback, {})
        if any(getattr(order, f) != getattr(fresh, f) for f in EVIDENCE_FIELDS):
            for f in EVIDENCE_FIELDS:
                setattr(order, f, getattr(fresh, f))
            changed.append(order)
        else:
            result.unchanged += 1
    created = WorkOrder.objects.bulk_create(list(new.values()))
    OrderEvent.objects.bulk_create([
        OrderEvent(order=o, kind=EventKind.IMPORT, at=now, to_status=o.status,
                   note=f"批次 {run.pk}" if run else "") for o in created
    ])
    WorkOrder.objects.bulk_update(changed, list(EVIDENCE_FIELDS))
    # Only new orders: one that was routed before and came back (退单) is the town's to re-route.
    result.address_reviews += orders_request_address_reviews(created)
    result.created += len(created)
    result.updated += len(changed)
    result.new_orders += [NewOrder(o.order_id, o.committee_id, o.town_id, o.priority, o.order_type) for o in created]
    for o in created:
        if o.committee_id:
            result.routed += 1
        elif o.town_id:
            result.at_town += 1
        else:
            result.at_district += 1

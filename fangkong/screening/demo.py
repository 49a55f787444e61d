"""Demo data of screening: one day's work orders for 周家渡街道 (T04), through the real import.

Writes a small ORDERS.csv in the pipeline's format (routed orders for 齐河第二社区 and 上南一村, a
few waiting at the town with address candidates, one urgent symptom_check already overdue) and
imports it with ``orders_import``, so the demo shows the same path a real run takes. Idempotent:
the order ids are deterministic, a second call creates nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from django.utils import timezone

from fangkong.addresses.models import StandardAddress
from fangkong.booking.demo import fake_name, fake_phone, fake_resident_id
from fangkong.orgs.models import District

from .models import WorkOrder
from .services_import import REQUIRED_COLUMNS, orders_import

COLUMNS = [*REQUIRED_COLUMNS, "town_code", "address_text", "match_status", "candidates", "explanation"]
AREAS = ["湖北省武汉市", "湖北省孝感市", "浙江省温州市", "湖北省黄冈市"]


def _order_id(as_of: date, order_type: str, key: str) -> str:
    return f"{as_of:%Y%m%d}-{order_type}-" + hashlib.sha1(key.encode()).hexdigest()[:12]  # noqa: S324 - an id, not security


def _explanation(rule: str, area: str, when: str, label: str, n: int) -> str:
    text = {"R1": f"{when[:10]} 自{area}来沪，在14天观察期内，{area}为重点地区。",
            "R2": "健康云填报有发热、咳嗽等症状。"}[rule]
    source, fields = (("checkpoint", {"道口": "G60沪昆高速枫泾", "出发地": area, "目的地址": label}) if rule == "R1"
                      else ("healthcloud", {"居住地址": label, "是否有症状": "是", "近14天旅居史": area}))
    return json.dumps({"rules": [{"rule": rule, "text": text}],
                       "records": [{"record_id": f"{source}:{n}", "source": source, "time": when, "fields": fields}]},
                      ensure_ascii=False)


def setup_screening_demo(*, log: Callable[[str], object] = print, seed: int = 2020, per_committee: int = 6) -> int:
    district = District.objects.filter(code="310115").first()
    rooms = {code: list(StandardAddress.objects.filter(committee__code=code).order_by("address_id")[:40])
             for code in ("T04C027", "T04C001")}
    if district is None or not all(rooms.values()):
        log("核查工单：缺少周家渡街道的标准地址，跳过")
        return 0
    rng = random.Random(seed)
    as_of = timezone.localdate()
    rows = []
    n = 0
    for code, committee_rooms in rooms.items():
        for i in range(per_committee + 3):
            n += 1
            room = rng.choice(committee_rooms)
            id_number, name, phone = fake_resident_id(rng), fake_name(rng), fake_phone(rng)
            urgent = i == 0
            order_type, rule = ("symptom_check", "R2") if urgent else ("home_check", "R1")
            when = f"{as_of - timedelta(days=rng.randrange(0, 10)):%Y-%m-%d} {rng.randrange(6, 22):02d}:{rng.randrange(60):02d}"
            routed = i < per_committee
            other = rng.choice(rooms["T04C001" if code == "T04C027" else "T04C027"])
            candidates = [] if routed else [
                {"address_id": room.address_id, "committee_code": code, "label": room.label, "score": 0.72},
                {"address_id": other.address_id, "committee_code": other.committee.code, "label": other.label, "score": 0.66},
            ]
            rows.append({
                "order_id": _order_id(as_of, order_type, id_number), "order_type": order_type,
                "priority": "urgent" if urgent else "normal", "id_number": id_number, "name": name, "phone": phone,
                "committee_code": code if routed else "", "address_id": room.address_id if routed else "",
                "rules": rule, "source_record_ids": f"{'healthcloud' if urgent else 'checkpoint'}:{n}",
                "town_code": "T04", "address_text": room.label, "match_status": "matched" if routed else "review",
                "candidates": json.dumps(candidates, ensure_ascii=False),
                "explanation": _explanation(rule, rng.choice(AREAS), when, room.label, n),
            })
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ORDERS.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        result = orders_import(path=path, district=district, now=timezone.now() - timedelta(minutes=45))
    # The urgent orders were imported 45 minutes ago: past their 30-minute accept clock, they show red.
    log(f"核查工单：新增 {result.created} 张（已有 {result.unchanged} 张）")
    return WorkOrder.objects.filter(as_of=as_of).count()

"""Writing ORDERS.csv and the transfer list from the engine's sorted detail rows.

The detail query yields one row per (order, source record), ordered by order_id and record; here
they are grouped into one CSV row per order with ``source_record_ids`` and the Chinese
``explanation`` JSON. Rows stream: memory does not grow with the number of orders.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from fangkong.pipeline.engine import CSV_LINE_END

from .records import FIELD_SEP

ORDERS_HEADER = [
    "order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code", "address_id",
    "rules", "source_record_ids", "town_code", "address_text", "match_status", "candidates", "explanation",
]
TRANSFER_HEADER = ["id_number", "name", "phone", "address_text", "reason", "source_record_ids"]
#: the detail query's columns: the order's, then the record's
DETAIL_COLUMNS = [
    "order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code", "address_id", "rules",
    "town_code", "address_text", "match_status", "candidates", "stay_record",
    "record_id", "role", "source", "rec_time", "arrival", "key_area", "places", "address", "category", "fields",
]
RULE_NAMES = {"R1": "重点地区来沪", "R2": "健康云报告有症状", "R3": "12345疫情防控工单"}


def _r1_text(recs: list[dict[str, Any]], titles: dict[str, str], areas: dict[str, tuple[str, str | None]],
             window: tuple[str, str]) -> str:
    parts = []
    for r in recs:
        start, end = areas.get(r["key_area"] or "", ("", None))
        period = f"{start} 起" + (f"至 {end}" if end else "，仍在管控期")
        via = "途经/来自" if r["source"] == "healthcloud" else "来自"
        parts.append(f"{titles.get(r['source'], r['source'])}记录 {r['arrival']} 到沪，{via}{r['places']}，"
                     f"属重点地区“{r['key_area']}”（{period}）")
    return ("；".join(parts) + f"。到沪日期在 {window[0]} 至 {window[1]} 之内，居住在本区，且不在已居家观察名单上。")


def _explanation(order: dict[str, Any], recs: list[dict[str, Any]], ctx: dict[str, Any]) -> str:
    titles = ctx["titles"]
    by_role: dict[str, list[dict[str, Any]]] = {}
    for r in recs:
        by_role.setdefault(r["role"], []).append(r)
    rules = []
    for rule in order["rules"].split(";"):
        rs = by_role.get(rule, [])
        if rule == "R1":
            text = _r1_text(rs, titles, ctx["areas"], ctx["window"])
        elif rule == "R2":
            times = "、".join(r["rec_time"] or "" for r in rs)
            text = f"健康云 {times} 填报“是否有症状：是”，居住在本区，须紧急上门核查（不论是否外出或已居家观察）。"
        else:
            ids = "、".join(r["record_id"] for r in rs)
            text = (f"12345 工单 {ids}（诉求类别：{rs[0]['category'] if rs else ''}）反映的地址在本区"
                    + (f"，{len(rs)} 张工单指向同一房屋，合并为一张核查单。" if len(rs) > 1 else "。"))
        rules.append({"rule": rule, "name": RULE_NAMES.get(rule, rule), "text": text})
    if order["rules"] != "R3":
        where = (f"居住地址取自 {order['stay_record']}（本人记录中最近的本区地址）" if order["stay_record"]
                 else "本人记录中没有本区地址，取人口库登记地址")
    else:
        where = "地址取自工单"
    status = {"matched": "已匹配到房屋", "committee_only": "只能定位到居委", "review": "地址待人工确认"}
    where += f"：{order['address_text'] or ''}（{status.get(order['match_status'] or '', order['match_status'] or '')}）"
    records = [
        {"record_id": r["record_id"], "source": r["source"], "time": r["rec_time"] or "", "role": r["role"],
         "fields": dict(zip(ctx["columns"].get(r["source"], ()), (r["fields"] or "").split(FIELD_SEP), strict=False))}
        for r in recs
    ]
    return json.dumps({"rules": rules, "address": where, "records": records}, ensure_ascii=False)


def _grouped(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    dicts = (dict(zip(DETAIL_COLUMNS, row, strict=True)) for row in rows)
    for _, group in groupby(dicts, key=lambda d: d["order_id"]):
        recs = list(group)
        seen: set[str] = set()
        unique = []
        for r in recs:  # a record can be behind a rule and the address: list it once, rule first
            if r["record_id"] is not None and r["record_id"] not in seen:
                seen.add(r["record_id"])
                unique.append(r)
        yield recs[0], unique


def write_orders(rows: Iterable[tuple[Any, ...]], path: Path, ctx: dict[str, Any]) -> dict[str, int]:
    """Detail rows (sorted by order_id) → ORDERS.csv; returns the count per order_type."""
    counts: dict[str, int] = {}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator=CSV_LINE_END)
        w.writerow(ORDERS_HEADER)
        for order, recs in _grouped(rows):
            counts[order["order_type"]] = counts.get(order["order_type"], 0) + 1
            ids = ";".join(r["record_id"] for r in recs)
            w.writerow([
                order["order_id"], order["order_type"], order["priority"], order["id_number"] or "", order["name"] or "",
                order["phone"] or "", order["committee_code"] or "", order["address_id"] or "", order["rules"], ids,
                order["town_code"] or "", order["address_text"] or "", order["match_status"] or "",
                order["candidates"] or "[]", _explanation(order, recs, ctx),
            ])
    return counts


def write_transfers(rows: Iterable[tuple[Any, ...]], path: Path) -> int:
    """Detail rows of people staying outside the district → the transfer list."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator=CSV_LINE_END)
        w.writerow(TRANSFER_HEADER)
        for order, recs in _grouped(rows):
            reason = ("地址在本区以外" if order["address_text"] else "无本区地址，且不在本区人口库中")
            w.writerow([order["id_number"] or "", order["name"] or "", order["phone"] or "", order["address_text"] or "",
                        reason, ";".join(r["record_id"] for r in recs)])
            n += 1
    return n

"""The per-record cleaning partition function: one source's raw rows → canonical records.

Runs through ``Engine.apply`` (forked DuckDB workers or Spark's Python workers), so its only
argument besides the rows is a plain, picklable spec dict (see :func:`make_spec`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from fangkong.pipeline.engine import Row

from .clean import Problem, clean_id, clean_phone, extract_address, parse_datetime
from .config import Rules, SourceConfig
from .places import Place, covers, find_places

#: the canonical record table (all text; dates ISO, flags "1"/"0")
RECORD_COLUMNS = [
    "source", "record_id", "rn", "rec_time", "id_number", "id_valid", "name", "phone", "arrival",
    "key_area", "places", "symptoms", "address", "category", "fields", "problems",
]
#: ``fields`` holds the raw values in the config's column order, joined by this (cheaper than JSON)
FIELD_SEP = "\x1f"
KeyArea = tuple[str, Place, str, str | None]  # (name as written, place, start ISO, end ISO or None)


def make_spec(source: SourceConfig, as_of: date, key_areas: list[KeyArea], rules: Rules) -> dict[str, Any]:
    return {
        "source": source.name,
        "columns": list(source.columns),
        "single": {k: source.column(k) for k in ("time", "arrival", "id_number", "name", "phone", "symptoms", "address", "category", "content")},
        "origin": source.column_list("origin"),
        "travel": source.column_list("travel"),
        "record_id_column": source.record_id_column,
        "person": source.person,
        "prefixes": list(source.address_prefixes),
        "stops": list(source.address_stops),
        "as_of": as_of.isoformat(),
        "key_areas": [(name, list(place), start, end) for name, place, start, end in key_areas],
        "symptom_values": list(rules.symptom_values),
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def clean_partition(spec: dict[str, Any], rows: Iterable[Row]) -> Iterator[Row]:
    """(rn, *source columns) rows → rows of :data:`RECORD_COLUMNS`. Never raises on bad values."""
    as_of = date.fromisoformat(spec["as_of"])
    cols: list[str] = spec["columns"]
    single: dict[str, str | None] = spec["single"]
    key_areas = [(n, (p[0], p[1]), s, e) for n, p, s, e in spec["key_areas"]]
    symptom_values = set(spec["symptom_values"])
    source = spec["source"]
    for row in rows:
        rn = int(row[0])
        raw = {c: _text(v) for c, v in zip(cols, row[1:], strict=True)}
        problems: list[list[str | None]] = []

        def note(field: str | None, value: str | None, found: list[Problem], _p: list = problems) -> None:
            _p.extend([p.kind, field, value, p.message] for p in found)

        def get(key: str, _raw: dict = raw) -> tuple[str | None, str | None]:
            col = single.get(key)
            return col, (_raw.get(col) if col else None)

        rid_col = spec["record_id_column"]
        record_id = (raw.get(rid_col) if rid_col else None) or f"{source}:{rn}"
        col, value = get("time")
        when, found = parse_datetime(value, as_of)
        note(col, value, found)
        rec_time = when.strftime("%Y-%m-%d %H:%M:%S") if when else None
        id_number, id_valid, phone, arrival, key_area, places_text = None, False, None, None, None, None
        if spec["person"]:
            col, value = get("id_number")
            id_number, id_valid, found = clean_id(value, as_of)
            note(col, value, found)
        col, value = get("phone")
        if value is not None or spec["person"]:
            phone, found = clean_phone(value)
            note(col, value, found)
        col, value = get("arrival")
        if col:
            arrived, found = parse_datetime(value, as_of)
            note(col, value, found)
            arrival = arrived.date().isoformat() if arrived else None
        places: list[Place] = []
        for col in spec["origin"] + spec["travel"]:
            value = raw.get(col)
            found_places = find_places(value)
            if value and not found_places and value not in ("无", "否", "没有", "-"):
                note(col, value, [Problem("place_unknown", "地名无法识别为省或地级市")])
            places.extend(p for p in found_places if p not in places)
        if places:
            places_text = "、".join(p[0] + (p[1] or "") if p[1] != p[0] else p[0] for p in places)
        if arrival and places:
            for name, area, start, end in key_areas:
                if start <= arrival and (end is None or arrival <= end) and any(covers(area, p) for p in places):
                    key_area = name
                    break
        col, value = get("symptoms")
        symptoms = "1" if value is not None and value.upper() in symptom_values else "0"
        col, address = get("address")
        if address is None and spec["prefixes"]:
            _, content = get("content")
            address = extract_address(content, spec["prefixes"], spec["stops"])
            if address is not None:
                note(single.get("content"), content, [Problem("address_from_content", "地址栏为空，已从诉求内容中提取地址")])
        if address is None and single.get("address"):
            note(single.get("address"), None, [Problem("address_missing", "没有地址")])
        _, category = get("category")
        _, name = get("name")
        yield (
            source, record_id, f"{rn:010d}", rec_time, id_number, "1" if id_valid else "0", name, phone,
            arrival, key_area, places_text, symptoms, address, category,
            FIELD_SEP.join("" if v is None else v for v in raw.values()),
            json.dumps(problems, ensure_ascii=False) if problems else None,
        )

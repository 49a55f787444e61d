"""Screening steps (issue 6) over the engine interface: read → clean → match → link → rules.

Each step takes the engine and table handles and returns a table handle. SQL is the common subset
of DuckDB and Spark SQL; per-record cleaning (IDs, phones, dates, places, hotline address spans)
is :func:`fangkong.pipeline.screening.records.clean_partition` through ``engine.apply``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from fangkong.pipeline.address.lexicon import OUTSIDE_PLACES
from fangkong.pipeline.engine import Engine, Row
from fangkong.pipeline.screening.records import RECORD_COLUMNS, clean_partition

from .addresses import index_for, match_addresses_step

IN_DISTRICT = "('matched', 'committee_only', 'review')"


def _text_type(engine: Engine) -> str:
    return "STRING" if engine.dialect == "spark" else "VARCHAR"


def _view(engine: Engine, stem: str, table: Any) -> str:
    name = engine.temp_name(stem)
    engine.register(name, table)
    return name


def _in(values: Iterable[str]) -> str:
    items = ["'" + v.replace("'", "''") + "'" for v in values]
    return "(" + (", ".join(items) or "NULL") + ")"


def read_source_step(engine: Engine, path: str | Path, columns: list[str], offset: int = 0) -> Any:
    """One export file as (rn, *columns): rn is the 1-based data row number (plus ``offset``)."""
    raw = _view(engine, "src", engine.read_csv(path, columns))
    q = engine.quote
    cols = ", ".join(q(c) for c in columns)
    t = _text_type(engine)
    if engine.dialect == "spark":  # one partition per file (multi-line CSV): ids follow the file
        inner = _view(engine, "src_id", engine.sql(f"SELECT monotonically_increasing_id() AS _mid, {cols} FROM {raw}"))  # noqa: S608
        return engine.sql(f"SELECT CAST(row_number() OVER (ORDER BY _mid) + {int(offset)} AS {t}) AS rn, {cols} FROM {inner}")  # noqa: S608
    return engine.sql(f"SELECT CAST(row_number() OVER () + {int(offset)} AS {t}) AS rn, {cols} FROM {raw}")  # noqa: S608


def clean_step(engine: Engine, raw: Any, spec: dict[str, Any]) -> Any:
    """(rn, *columns) → the canonical record table (:data:`RECORD_COLUMNS`)."""
    return engine.apply(raw, partial(clean_partition, spec), RECORD_COLUMNS)


def union_step(engine: Engine, tables: list[Any]) -> Any:
    if not tables:
        return engine.from_rows([], RECORD_COLUMNS)
    cols = ", ".join(engine.quote(c) for c in RECORD_COLUMNS)
    names = [_view(engine, "rec", t) for t in tables]
    return engine.sql(" UNION ALL ".join(f"SELECT {cols} FROM {n}" for n in names))  # noqa: S608


_LEAD = re.compile(r"^(?:现住|住址|地址)?[:：]?\s*(?:上海市|上海)?\s*")


def names_outside(address: str) -> bool:
    """The address starts with another district, city or province (``昆山市前进西路…``) and
    that word is not the start of a road name (``南京西路``): for addresses the matcher left
    in review, this settles them as outside."""
    text = _LEAD.sub("", address.strip())
    for word in OUTSIDE_PLACES:
        if text.startswith(word) and (word[-1] in "区市省县" or text[len(word): len(word) + 1] not in _ROAD_CHARS):
            return True
    return False


_ROAD_CHARS = set("路街弄道巷村东西南北中")


def candidates_partition(index_path: str, rows: Iterable[Row]) -> Iterator[Row]:
    """(record_id, address) → (record_id, candidates JSON, top room): the matcher's best
    candidates, and the best one's address_id when it is a room."""
    from fangkong.pipeline.address import match

    ix = index_for(index_path)
    for rid, address in rows:
        d = match(ix, "" if address is None else str(address))
        cands = [
            {"address_id": c.address_id, "committee_code": c.committee_code,
             "label": f"{c.compound}{c.building}{'号' if c.building else ''}",
             "score": round(c.score, 2)}
            for c in d.candidates[:5]
        ]
        top = d.candidates[0] if d.candidates and d.candidates[0].level == 3 else None
        outside = "1" if names_outside("" if address is None else str(address)) else None
        yield rid, json.dumps(cands, ensure_ascii=False), top.address_id if top else None, outside


def match_step(engine: Engine, records: Any, index_path: str | Path) -> Any:
    """Addresses of the records through the address matcher: (record_id, address_id,
    committee_code, town_code, status, explanation, candidates, top_room); candidates and
    top_room only for addresses in review."""
    rec = _view(engine, "mrec", records)
    todo = engine.sql(f"SELECT record_id, address FROM {rec} WHERE address IS NOT NULL")  # noqa: S608
    matched = _view(engine, "matched", engine.persist(match_addresses_step(engine, todo, index_path)))
    ix = index_for(str(index_path))
    towns = _view(engine, "towns", engine.from_rows(
        [(code, ix.towns[t][0]) for code, _, t in ix.committees], ["committee_code", "town_code"]))
    review = engine.sql(
        f"SELECT m.record_id, r.address FROM {matched} m JOIN {rec} r ON r.record_id = m.record_id WHERE m.status = 'review'")  # noqa: S608
    cands = _view(engine, "cands", engine.apply(review, partial(candidates_partition, str(index_path)), ["record_id", "candidates", "top_room", "outside"]))
    return engine.sql(f"""
        SELECT m.record_id, NULLIF(m.address_id, '') AS address_id, NULLIF(m.committee_code, '') AS committee_code,
               t.town_code, CASE WHEN c.outside = '1' THEN 'outside' ELSE m.status END AS status,
               m.explanation, c.candidates, c.top_room
        FROM {matched} m LEFT JOIN {towns} t ON t.committee_code = m.committee_code
        LEFT JOIN (SELECT record_id, MIN(candidates) AS candidates, MIN(top_room) AS top_room, MIN(outside) AS outside
                   FROM {cands} GROUP BY record_id) c
          ON c.record_id = m.record_id""")  # noqa: S608


def population_step(engine: Engine, population: Path, standard: Path) -> Any:
    """Population rows with their address routed: (id_number, name, phone, address_id,
    committee_code, town_code, address_text); the address columns NULL when not in the standard."""
    pop = _view(engine, "pop", engine.read_csv(population, ["id_number", "name", "phone", "address_id"]))
    std = _view(engine, "std", engine.read_csv(
        standard, ["address_id", "town_code", "committee_code", "road", "lane", "number", "compound", "building", "room"]))
    return engine.sql(f"""
        SELECT UPPER(REPLACE(TRIM(p.id_number), ' ', '')) AS id_number, TRIM(p.name) AS name,
               TRIM(p.phone) AS phone, s.address_id, s.committee_code, s.town_code,
               concat_ws('', s.road, s.lane || '弄', s.number || '号', s.compound, s.building || '号', s.room || '室') AS address_text
        FROM {pop} p LEFT JOIN {std} s ON s.address_id = TRIM(p.address_id)""")  # noqa: S608


def link_step(engine: Engine, records: Any, population: Any, person_sources: list[str]) -> Any:
    """Person records with a person key ``pkey``: the checksum-valid ID; else the ID of the
    one person (another record's valid ID, else the population) with the same name + phone;
    else ``NP:name|phone``; else ``REC:record_id``. ``link`` says which."""
    rec = _view(engine, "lrec", records)
    pop = _view(engine, "lpop", population)
    return engine.sql(f"""
        WITH p AS (SELECT * FROM {rec} WHERE source IN {_in(person_sources)}),
        v AS (SELECT name, phone, MIN(id_number) AS id, COUNT(DISTINCT id_number) AS n FROM p
              WHERE id_valid = '1' AND name IS NOT NULL AND phone IS NOT NULL GROUP BY name, phone),
        pp AS (SELECT name, phone, MIN(id_number) AS id, COUNT(DISTINCT id_number) AS n FROM {pop}
               WHERE name IS NOT NULL AND phone IS NOT NULL GROUP BY name, phone)
        SELECT p.*,
          CASE WHEN p.id_valid = '1' THEN p.id_number WHEN v.n = 1 THEN v.id WHEN pp.n = 1 THEN pp.id
               WHEN p.name IS NOT NULL AND p.phone IS NOT NULL THEN 'NP:' || p.name || '|' || p.phone
               ELSE 'REC:' || p.record_id END AS pkey,
          CASE WHEN p.id_valid = '1' THEN 'id' WHEN v.n = 1 THEN 'name_phone_record' WHEN pp.n = 1 THEN 'name_phone_population'
               WHEN p.name IS NOT NULL AND p.phone IS NOT NULL THEN 'name_phone' ELSE 'none' END AS link
        FROM p LEFT JOIN v ON v.name = p.name AND v.phone = p.phone
        LEFT JOIN pp ON pp.name = p.name AND pp.phone = p.phone""")  # noqa: S608


def people_step(engine: Engine, linked: Any, matches: Any, population: Any) -> Any:
    """One row per person: identity (most recent record, a valid ID preferred), where they stay
    (most recent in-district record address, else the population address) and how that was found."""
    lk = _view(engine, "plk", linked)
    m = _view(engine, "pm", matches)
    pop = _view(engine, "ppop", population)
    return engine.sql(f"""
        WITH ident AS (
          SELECT pkey, id_number, name, phone, record_id, row_number() OVER (PARTITION BY pkey
            ORDER BY id_valid DESC, rec_time DESC NULLS LAST, source, rn DESC) AS r FROM {lk}),
        named AS (
          SELECT pkey, name, phone, row_number() OVER (PARTITION BY pkey
            ORDER BY rec_time DESC NULLS LAST, source, rn DESC) AS r FROM {lk} WHERE name IS NOT NULL AND phone IS NOT NULL),
        addr AS (
          SELECT l.pkey, l.record_id, l.address, m.address_id, m.committee_code, m.town_code, m.status, m.candidates,
            row_number() OVER (PARTITION BY l.pkey ORDER BY l.rec_time DESC NULLS LAST, l.source, l.rn DESC) AS r
          FROM {lk} l JOIN {m} m ON m.record_id = l.record_id WHERE m.status IN {IN_DISTRICT}),
        anyaddr AS (
          SELECT l.pkey, l.address, row_number() OVER (PARTITION BY l.pkey
            ORDER BY l.rec_time DESC NULLS LAST, l.source, l.rn DESC) AS r FROM {lk} l WHERE l.address IS NOT NULL),
        popx AS (SELECT id_number, MIN(address_id) AS address_id, MIN(committee_code) AS committee_code,
                        MIN(town_code) AS town_code, MIN(address_text) AS address_text
                 FROM {pop} WHERE address_id IS NOT NULL GROUP BY id_number)
        SELECT i.pkey, CASE WHEN i.pkey LIKE 'NP:%' OR i.pkey LIKE 'REC:%' THEN i.id_number ELSE i.pkey END AS id_number, COALESCE(n.name, i.name) AS name, COALESCE(n.phone, i.phone) AS phone,
          CASE WHEN a.pkey IS NOT NULL THEN 'record' WHEN px.id_number IS NOT NULL THEN 'population' ELSE 'none' END AS stay_from,
          COALESCE(a.record_id, '') AS stay_record,
          CASE WHEN a.pkey IS NOT NULL THEN a.address ELSE px.address_text END AS address_text,
          CASE WHEN a.pkey IS NOT NULL THEN a.address_id ELSE px.address_id END AS address_id,
          CASE WHEN a.pkey IS NOT NULL THEN a.committee_code ELSE px.committee_code END AS committee_code,
          CASE WHEN a.pkey IS NOT NULL THEN a.town_code ELSE px.town_code END AS town_code,
          CASE WHEN a.pkey IS NOT NULL THEN a.status WHEN px.id_number IS NOT NULL THEN 'matched' END AS match_status,
          a.candidates, aa.address AS last_address
        FROM ident i
        LEFT JOIN named n ON n.pkey = i.pkey AND n.r = 1
        LEFT JOIN addr a ON a.pkey = i.pkey AND a.r = 1
        LEFT JOIN anyaddr aa ON aa.pkey = i.pkey AND aa.r = 1
        LEFT JOIN popx px ON px.id_number = i.pkey
        WHERE i.r = 1""")  # noqa: S608

"""The screening rules R1/R2/R3 and "one order per person" as SQL over the linked tables.

R1 home_check: an arrival on day D with AS_OF - (window-1) <= D <= AS_OF, from or through a key
area whose period covers D (the cleaning step put that area in ``key_area``), staying in the
district, not managed. R2 symptom_check (urgent): a symptom report, managed or not. R1 and R2 give
one symptom_check order listing both. R3 hotline_check: a hotline order of a listed category at an
in-district address; orders naming the same room are one order keyed by the smallest 工单编号.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fangkong.pipeline.engine import Engine
from fangkong.pipeline.screening.config import Rules

from .screening import IN_DISTRICT, _in, _view

ORDER_COLUMNS = [
    "order_id", "order_type", "priority", "id_number", "name", "phone", "committee_code", "address_id",
    "rules", "town_code", "address_text", "match_status", "candidates", "order_key", "in_district",
]
LINK_COLUMNS = ["order_id", "record_id", "role"]


def hits_step(engine: Engine, linked: Any, rules: Rules, as_of: date) -> Any:
    """(pkey, record_id, rule): the records that fire R1 or R2."""
    lk = _view(engine, "hlk", linked)
    lo = (as_of - timedelta(days=rules.window_days - 1)).isoformat()
    hi = as_of.isoformat()
    return engine.sql(f"""
        SELECT pkey, record_id, 'R1' AS rule FROM {lk}
          WHERE source IN {_in(rules.r1_sources)} AND key_area IS NOT NULL AND arrival >= '{lo}' AND arrival <= '{hi}'
        UNION ALL
        SELECT pkey, record_id, 'R2' AS rule FROM {lk} WHERE source IN {_in(rules.r2_sources)} AND symptoms = '1'""")  # noqa: S608


def key_people_step(engine: Engine, hits: Any, people: Any, managed: Any, rules: Rules, as_of: date) -> Any:
    """One row per flagged person: the order they get (type, rules) and whether they stay in
    the district (``in_district`` 1/0; 0 → the transfer list)."""
    h = _view(engine, "kh", hits)
    pe = _view(engine, "kpe", people)
    mg = _view(engine, "kmg", managed)
    excluded = "1" if rules.managed_excluded else "0"
    day = f"{as_of:%Y%m%d}"
    return engine.sql(f"""
        WITH f AS (SELECT pkey, MAX(CASE WHEN rule = 'R1' THEN 1 ELSE 0 END) AS r1,
                          MAX(CASE WHEN rule = 'R2' THEN 1 ELSE 0 END) AS r2 FROM {h} GROUP BY pkey),
        mg AS (SELECT DISTINCT id_number FROM {mg}),
        k AS (SELECT f.pkey, f.r2,
                CASE WHEN f.r1 = 1 AND NOT (1 = {excluded} AND (m1.id_number IS NOT NULL OR m2.id_number IS NOT NULL))
                     THEN 1 ELSE 0 END AS r1,
                pe.id_number, pe.name, pe.phone, pe.committee_code, pe.address_id, pe.town_code, pe.address_text,
                pe.match_status, pe.candidates, pe.stay_from, pe.stay_record, pe.last_address
              FROM f JOIN {pe} pe ON pe.pkey = f.pkey
              LEFT JOIN mg m1 ON m1.id_number = f.pkey LEFT JOIN mg m2 ON m2.id_number = pe.id_number),
        t AS (SELECT k.*, CASE WHEN r2 = 1 THEN 'symptom_check' ELSE 'home_check' END AS order_type FROM k WHERE r1 = 1 OR r2 = 1)
        SELECT '{day}-' || order_type || '-' || substr(sha1(pkey), 1, 12) AS order_id, order_type,
          CASE WHEN r2 = 1 THEN 'urgent' ELSE 'normal' END AS priority,
          id_number, name, phone, committee_code, address_id,
          CASE WHEN r1 = 1 AND r2 = 1 THEN 'R1;R2' WHEN r2 = 1 THEN 'R2' ELSE 'R1' END AS rules,
          town_code, CASE WHEN stay_from = 'none' THEN last_address ELSE address_text END AS address_text,
          match_status, candidates, pkey AS order_key,
          CASE WHEN stay_from = 'none' THEN '0' ELSE '1' END AS in_district, stay_record
        FROM t""")  # noqa: S608


def hotline_step(engine: Engine, records: Any, matches: Any, rules: Rules, as_of: date) -> tuple[Any, Any]:
    """R3: (orders, links). One order per room (the matched address_id, else the address text)."""
    rec = _view(engine, "hrec", records)
    m = _view(engine, "hm", matches)
    day = f"{as_of:%Y%m%d}"
    h0 = _view(engine, "hh0", engine.sql(f"""
        SELECT r.record_id, r.address, m.address_id, m.committee_code, m.town_code, m.status, m.candidates, m.top_room
        FROM {rec} r JOIN {m} m ON m.record_id = r.record_id
        WHERE r.source IN {_in(rules.r3_sources)} AND r.category IN {_in(rules.categories)} AND m.status IN {IN_DISTRICT}"""))  # noqa: S608
    # the room: the matched one; for an address in review, its best candidate room when another
    # order names that room (a typo in one report of the same flat); else the address text
    h = _view(engine, "hh", engine.sql(f"""
        SELECT h.*, COALESCE(h.address_id, k.address_id, 'TXT:' || REPLACE(h.address, ' ', '')) AS room,
               CASE h.status WHEN 'matched' THEN 0 WHEN 'committee_only' THEN 1 ELSE 2 END AS rank_status
        FROM {h0} h LEFT JOIN (SELECT DISTINCT address_id FROM {h0} WHERE address_id IS NOT NULL) k
          ON h.address_id IS NULL AND k.address_id = h.top_room"""))  # noqa: S608
    g = _view(engine, "hg", engine.sql(f"""
        SELECT room, first_id, rep_id FROM (
          SELECT room, MIN(record_id) OVER (PARTITION BY room) AS first_id, record_id AS rep_id,
                 row_number() OVER (PARTITION BY room ORDER BY rank_status, record_id) AS r FROM {h}) x
        WHERE r = 1"""))  # noqa: S608
    orders = engine.sql(f"""
        SELECT '{day}-hotline_check-' || substr(sha1('HOTLINE:' || g.first_id), 1, 12) AS order_id,
          'hotline_check' AS order_type, 'normal' AS priority, CAST(NULL AS {_type(engine)}) AS id_number,
          CAST(NULL AS {_type(engine)}) AS name, CAST(NULL AS {_type(engine)}) AS phone, h.committee_code, h.address_id,
          'R3' AS rules, h.town_code, h.address AS address_text, h.status AS match_status, h.candidates,
          'HOTLINE:' || g.first_id AS order_key, '1' AS in_district, CAST(NULL AS {_type(engine)}) AS stay_record
        FROM {g} g JOIN {h} h ON h.record_id = g.rep_id""")  # noqa: S608
    links = engine.sql(f"""
        SELECT '{day}-hotline_check-' || substr(sha1('HOTLINE:' || g.first_id), 1, 12) AS order_id, h.record_id, 'R3' AS role
        FROM {g} g JOIN {h} h ON h.room = g.room""")  # noqa: S608
    return orders, links


def _type(engine: Engine) -> str:
    return "STRING" if engine.dialect == "spark" else "VARCHAR"


def person_links_step(engine: Engine, key_people: Any, hits: Any) -> Any:
    """(order_id, record_id, role): the records behind each person's rules, and the record
    their address came from."""
    kp = _view(engine, "lkp", key_people)
    h = _view(engine, "lh", hits)
    return engine.sql(f"""
        SELECT k.order_id, h.record_id, h.rule AS role FROM {kp} k JOIN {h} h ON h.pkey = k.order_key
          WHERE h.rule = 'R2' OR k.rules <> 'R2'
        UNION
        SELECT order_id, stay_record AS record_id, 'address' AS role FROM {kp} WHERE stay_record IS NOT NULL AND stay_record <> ''""")  # noqa: S608

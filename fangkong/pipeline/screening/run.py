"""``run_screening``: one day's exports → ORDERS.csv, the transfer list and the quality report."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fangkong.pipeline.engine import Engine, EngineError, get_engine

from .clean import clean_id, parse_datetime
from .config import Rules, SourceConfig, load_rules, load_sources
from .output import DETAIL_COLUMNS, write_orders, write_transfers
from .places import area_place
from .records import KeyArea, make_spec

Progress = Callable[[str, float], None]
EXAMPLES = 5


@dataclass(frozen=True)
class ScreeningInputs:
    sources_dir: Path
    population: Path
    standard: Path
    key_areas: Path
    managed: Path
    as_of: date
    output: Path
    rules_path: Path | None = None


@dataclass
class ScreeningSummary:
    records: int
    people: int
    key_people: int
    orders: int
    by_type: dict[str, int]
    transfers: int
    orders_path: Path
    transfers_path: Path
    quality_path: Path
    seconds: float
    unknown_files: list[str] = field(default_factory=list)


def side_paths(output: Path) -> tuple[Path, Path]:
    stem = output.name[: -len(output.suffix)] if output.suffix else output.name
    return output.with_name(stem + ".transfers.csv"), output.with_name(stem + ".quality.json")


class _Quality:
    def __init__(self) -> None:
        self.sources: dict[str, dict[str, Any]] = {}

    def source(self, name: str) -> dict[str, Any]:
        return self.sources.setdefault(name, {"rows": 0, "kept": 0, "problems": {}})

    def add(self, source: str, kind: str, record_id: str, field: str | None, value: str | None, message: str) -> None:
        entry = self.source(source)["problems"].setdefault(kind, {"count": 0, "examples": []})
        entry["count"] += 1
        if len(entry["examples"]) < EXAMPLES:
            entry["examples"].append({"record_id": record_id, "field": field, "value": value, "message": message})


def _discover(directory: Path, configs: list[SourceConfig]) -> tuple[dict[str, list[Path]], list[str]]:
    """Source files by config (file name glob, else a header with all the config's columns)."""
    found: dict[str, list[Path]] = {c.name: [] for c in configs}
    unknown: list[str] = []
    if not directory.is_dir():
        raise EngineError(f"{directory} is not a directory")
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        cfg = next((c for c in configs if c.matches(path.name)), None)
        if cfg is None and path.name.endswith(".csv"):
            try:
                with path.open(encoding="utf-8-sig") as fh:
                    header = {h.strip() for h in fh.readline().strip().split(",")}
                cfg = next((c for c in configs if set(c.columns) <= header), None)
            except (OSError, UnicodeDecodeError):
                cfg = None
        if cfg is None:
            unknown.append(path.name)
        else:
            found[cfg.name].append(path)
    return found, unknown


def _key_areas(engine: Engine, path: Path, as_of: date, quality: _Quality) -> list[KeyArea]:
    out: list[KeyArea] = []
    q = quality.source("key_areas")
    for i, (area, start, end) in enumerate(engine.rows(engine.read_csv(path, ["area", "start_date", "end_date"])), 1):
        q["rows"] += 1
        place = area_place(area or "")
        s, _ = parse_datetime(start, as_of)
        e, _ = parse_datetime(end, as_of)
        if place is None or s is None or (end and e is None):
            quality.add("key_areas", "area_invalid", f"key_areas:{i}", "area", f"{area},{start},{end}",
                        "重点地区无法识别（不是省或地级市，或日期无法识别），已忽略")
            continue
        q["kept"] += 1
        out.append((area.strip(), place, s.date().isoformat(), e.date().isoformat() if e else None))
    return sorted(out, key=lambda a: (a[2], a[0]))


def _managed(engine: Engine, path: Path, as_of: date, quality: _Quality) -> Any:
    ids = set()
    q = quality.source("managed")
    for i, (raw, _name) in enumerate(engine.rows(engine.read_csv(path, ["id_number", "name"])), 1):
        q["rows"] += 1
        value, valid, _ = clean_id(raw, as_of)
        if value:
            ids.add(value)
            q["kept"] += 1
        if not valid:
            quality.add("managed", "id_invalid", f"managed:{i}", "id_number", raw, "已管控名单中的证件号码无效")
    return engine.from_rows(sorted((v,) for v in ids), ["id_number"])


def _keep(engine: Engine, table: Any) -> Any:
    """Persisted and, on Spark, computed now: later steps then read the cache instead of
    re-planning the whole lineage (one huge plan made task serialisation run out of heap)."""
    kept = engine.persist(table)
    if engine.dialect == "spark":
        engine.count(kept)
    return kept


def _sql(engine: Engine, query: str, **tables: Any) -> Any:
    for name, table in tables.items():
        engine.register(name, table)
    return engine.sql(query)


def run_screening(
    inputs: ScreeningInputs,
    *,
    engine: str | Engine = "duckdb",
    workers: int = 2,
    progress: Progress | None = None,
) -> ScreeningSummary:
    """The whole day: read → clean → match addresses → link people → rules → files next to
    ``output`` (ORDERS.csv, ``<stem>.transfers.csv``, ``<stem>.quality.json``). ``engine`` is a
    name (a new engine, closed at the end) or an Engine (left open: tests share a SparkSession)."""
    from fangkong.pipeline.steps.addresses import ensure_index_file
    from fangkong.pipeline.steps.screening import (
        clean_step,
        link_step,
        match_step,
        people_step,
        population_step,
        read_source_step,
        union_step,
    )
    from fangkong.pipeline.steps.screening_rules import (
        ORDER_COLUMNS,
        hits_step,
        hotline_step,
        key_people_step,
        person_links_step,
    )

    t0 = time.perf_counter()

    def step(label: str, fraction: float) -> None:
        if progress is not None:
            progress(label, fraction)

    rules: Rules = load_rules(inputs.rules_path)
    configs = load_sources()
    as_of = inputs.as_of
    quality = _Quality()
    files, unknown = _discover(Path(inputs.sources_dir), configs)
    step("索引标准地址", 0.02)
    index_path = ensure_index_file(inputs.standard)
    own = isinstance(engine, str)
    eng: Engine = get_engine(engine, **({"workers": workers} if engine == "duckdb" else {"master": f"local[{max(1, workers)}]"})) if isinstance(engine, str) else engine
    try:
        step("读取参考数据", 0.1)
        key_areas = _key_areas(eng, inputs.key_areas, as_of, quality)
        managed = _managed(eng, inputs.managed, as_of, quality)
        step("清洗数据源", 0.2)
        cleaned = []
        for cfg in configs:
            quality.source(cfg.name)
            spec = make_spec(cfg, as_of, key_areas, rules)
            offset = 0
            for path in files[cfg.name]:
                try:
                    raw = _keep(eng, read_source_step(eng, path, list(cfg.columns), offset))
                except EngineError as e:
                    quality.add(cfg.name, "file_unreadable", path.name, None, None, f"文件无法读取：{e}")
                    continue
                n = eng.count(raw)
                quality.source(cfg.name)["rows"] += n
                offset += n
                cleaned.append(clean_step(eng, raw, spec))
        records = _keep(eng, union_step(eng, cleaned))
        step("匹配地址", 0.35)
        matches = _keep(eng, match_step(eng, records, index_path))
        step("关联人员", 0.6)
        population = _keep(eng, population_step(eng, inputs.population, inputs.standard))
        person_sources = [c.name for c in configs if c.person]
        linked = _keep(eng, link_step(eng, records, population, person_sources))
        people = _keep(eng, people_step(eng, linked, matches, population))
        step("执行规则", 0.75)
        hits = _keep(eng, hits_step(eng, linked, rules, as_of))
        kp = _keep(eng, key_people_step(eng, hits, people, managed, rules, as_of))
        h_orders, h_links = hotline_step(eng, records, matches, rules, as_of)
        p_links = person_links_step(eng, kp, hits)
        cols = ", ".join(ORDER_COLUMNS + ["stay_record"])
        orders = _keep(eng, _sql(eng, f"SELECT {cols} FROM _s_kp UNION ALL SELECT {cols} FROM _s_ho",  # noqa: S608
                                  _s_kp=kp, _s_ho=h_orders))
        links = _sql(eng, "SELECT * FROM _s_pl UNION ALL SELECT * FROM _s_hl", _s_pl=p_links, _s_hl=h_links)
        rec_cols = "l.record_id, l.role, r.source, r.rec_time, r.arrival, r.key_area, r.places, r.address, r.category, r.fields"
        order_cols = ", ".join(f"o.{c}" for c in DETAIL_COLUMNS[:14])

        def detail(in_district: str) -> Any:
            return _sql(eng, f"""
                SELECT {order_cols}, {rec_cols}
                FROM _s_o o LEFT JOIN _s_l l ON l.order_id = o.order_id LEFT JOIN _s_r r ON r.record_id = l.record_id
                WHERE o.in_district = '{in_district}'
                ORDER BY o.order_id, r.source, r.rn, l.role""", _s_o=orders, _s_l=links, _s_r=records)  # noqa: S608

        step("写出工单", 0.9)
        inputs.output.parent.mkdir(parents=True, exist_ok=True)
        transfers_path, quality_path = side_paths(inputs.output)
        lo = (as_of - timedelta(days=rules.window_days - 1)).isoformat()
        ctx = {"titles": {c.name: c.title for c in configs}, "window": (lo, as_of.isoformat()),
               "columns": {c.name: list(c.columns) for c in configs},
               "areas": {a[0]: (a[2], a[3]) for a in key_areas}}
        by_type = write_orders(eng.rows(detail("1")), inputs.output, ctx)
        n_transfers = write_transfers(eng.rows(detail("0")), transfers_path)
        funnel = _funnel(eng, records, linked, kp, by_type)
        _record_quality(eng, records, quality)
        report = {
            "as_of": as_of.isoformat(),
            "unknown_files": unknown,
            "sources": quality.sources,
            "funnel": funnel,
            "identification": _identification(eng, records, matches),
            "transfers": n_transfers,
        }
        quality_path.write_text(json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    finally:
        if own:
            eng.close()
    step("完成", 1.0)
    return ScreeningSummary(
        records=funnel["records"], people=funnel["people"], key_people=funnel["key_people"], orders=funnel["orders"],
        by_type=by_type, transfers=n_transfers, orders_path=inputs.output, transfers_path=transfers_path,
        quality_path=quality_path, seconds=time.perf_counter() - t0, unknown_files=unknown,
    )


def _one(eng: Engine, query: str, **tables: Any) -> int:
    return int(next(eng.rows(_sql(eng, query, **tables)))[0] or 0)


def _funnel(eng: Engine, records: Any, linked: Any, kp: Any, by_type: dict[str, int]) -> dict[str, Any]:
    return {
        "records": _one(eng, "SELECT COUNT(*) FROM _f_r", _f_r=records),
        "people": _one(eng, "SELECT COUNT(DISTINCT pkey) FROM _f_l", _f_l=linked),
        "key_people": _one(eng, "SELECT COUNT(*) FROM _f_k", _f_k=kp),
        "orders": sum(by_type.values()),
        "by_type": dict(sorted(by_type.items())),
    }


def _record_quality(eng: Engine, records: Any, quality: _Quality) -> None:
    # Kept: a person record with a valid ID or a name + phone; every record of a source that
    # names no person (the hotline). One aggregate: the ``source NOT IN (subquery)`` this was
    # became a null-aware nested-loop anti join on Spark, which ran for over ten minutes at 4M.
    kept = _sql(eng, """SELECT source,
                          CASE WHEN MAX(CASE WHEN id_number IS NOT NULL OR name IS NOT NULL THEN 1 ELSE 0 END) = 0
                               THEN COUNT(*)
                               ELSE SUM(CASE WHEN id_valid = '1' OR (name IS NOT NULL AND phone IS NOT NULL) THEN 1 ELSE 0 END)
                          END
                        FROM _q_r GROUP BY source""", _q_r=records)
    for source, n in eng.rows(kept):
        quality.source(source)["kept"] = int(n)
    # Counted and the first examples picked where the records are (a partition each), so only a
    # few rows per source and kind come back: pulling every record with a problem through
    # ``rows`` took minutes on Spark at 4M records.
    problems = _sql(eng, "SELECT source, rn, record_id, problems FROM _q_r WHERE problems IS NOT NULL", _q_r=records)
    summary = eng.apply(problems, problems_partition, ["source", "kind", "n", "examples"])
    merge_problems(eng.rows(summary), quality)


def merge_problems(summaries: Any, quality: _Quality) -> None:
    """Add the partitions' (source, kind, count, examples) rows to ``quality``: counts summed,
    the EXAMPLES first examples by row number over all partitions."""
    merged: dict[tuple[str, str], tuple[int, list[Any]]] = {}
    for source, kind, n, examples in summaries:
        count, seen = merged.get((source, kind), (0, []))
        merged[(source, kind)] = (count + int(n), seen + json.loads(examples))
    for (source, kind), (count, examples) in sorted(merged.items()):
        entry = quality.source(source)["problems"].setdefault(kind, {"count": 0, "examples": []})
        entry["count"] += count
        for _rn, _pos, record_id, fld, value, message in sorted(examples)[: EXAMPLES - len(entry["examples"])]:
            entry["examples"].append({"record_id": record_id, "field": fld, "value": value, "message": message})


def problems_partition(rows: Any) -> Any:
    """(source, rn, record_id, problems JSON) rows → (source, kind, count, first examples JSON) per
    source and kind of this partition; examples are the EXAMPLES lowest (row number, position)."""
    counts: dict[tuple[str, str], int] = {}
    firsts: dict[tuple[str, str], list[tuple[int, int, str, Any, Any, str]]] = {}
    for source, rn, record_id, problems in rows:
        for pos, (kind, fld, value, message) in enumerate(json.loads(problems)):
            key = (source, kind)
            counts[key] = counts.get(key, 0) + 1
            kept = firsts.setdefault(key, [])
            kept.append((int(rn), pos, record_id, fld, value, message))
            if len(kept) > 4 * EXAMPLES:
                kept.sort()
                del kept[EXAMPLES:]
    for key, n in counts.items():
        yield (key[0], key[1], str(n), json.dumps(sorted(firsts[key])[:EXAMPLES], ensure_ascii=False))


def _identification(eng: Engine, records: Any, matches: Any) -> dict[str, dict[str, int]]:
    q = _sql(eng, """SELECT r.source, COALESCE(m.status, 'no_address'), COUNT(*) FROM _i_r r
                     LEFT JOIN _i_m m ON m.record_id = r.record_id GROUP BY r.source, COALESCE(m.status, 'no_address')""",
             _i_r=records, _i_m=matches)
    out: dict[str, dict[str, int]] = {}
    for source, status, n in eng.rows(q):
        entry = out.setdefault(source, {"matched": 0, "committee_only": 0, "review": 0, "outside": 0, "no_address": 0})
        entry[status] = int(n)
    return dict(sorted(out.items()))

"""Benchmark: the full standard-address file into PostgreSQL, then as-you-type address search.

    .venv/bin/python benchmarks/address_search.py [--queries 600] [--http 200] [--seed 7] [--reimport]
        [--file fangkong/addresses/data/demo_addresses.csv.gz]

Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/fk_bench_addr. A missing
database is created with a Chinese ICU default collation (zh-Hans-CN), as a server installed
for zh_CN would have, to show that search does not depend on the database's collation. The
import is skipped when the table already holds as many rooms as the file (``--reimport`` to
force). Prints import time, search latency percentiles and throughput; figures are recorded
in benchmarks/README.md. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fk_bench_addr")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")  # as in production: no per-query debug bookkeeping
SHARED_FILE = (
    Path(os.environ.get("FANGKONG_SHARED_DATA", ROOT.parent / "shared" / "data"))
    / "standard_addresses.csv.gz"
)


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist (PostgreSQL only)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        quoted = sql.Identifier(name)
        try:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'"
                    " LOCALE_PROVIDER icu ICU_LOCALE 'zh-Hans-CN' LOCALE 'C.UTF-8'"
                ).format(quoted)
            )
        except psycopg.Error:  # no ICU: the server's default collation will do
            conn.execute(sql.SQL("CREATE DATABASE {}").format(quoted))
        print(f"created database {name}", file=sys.stderr)


def count_rows(path: Path) -> int:
    with gzip.open(path, "rb") as fh:
        return sum(1 for _ in fh) - 1


def load(path: Path, *, force: bool) -> str:
    from django.core.management import call_command
    from django.db import connection

    from fangkong.addresses.models import StandardAddress
    from fangkong.addresses.services import address_import_csv
    from fangkong.orgs.models import District
    from fangkong.orgs.services import org_import_csv

    call_command("migrate", verbosity=0)
    if not District.objects.filter(code="310115").exists():
        org_import_csv(
            district_code="310115",
            district_name="浦东新区",
            path=ROOT / "fangkong" / "orgs" / "data" / "pudong_divisions.csv",
        )
    expected, present = count_rows(path), StandardAddress.objects.count()
    if present == expected and not force:
        return f"import skipped: {present:,} rooms already loaded"
    last = [0.0]

    def progress(p: object) -> None:
        if time.monotonic() - last[0] > 10:
            last[0] = time.monotonic()
            print(f"  {p.rows_read:,} rows, {p.rows_per_second:,.0f} rows/s", file=sys.stderr)  # type: ignore[attr-defined]

    report = address_import_csv(path=path, progress=progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE addresses_standardaddress")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"import: {report.rows_read:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s),"
        f" {report.created:,} new, {report.error_count} errors, peak RSS {peak_mib:.0f} MiB"
    )


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def make_queries(n: int, seed: int) -> list[tuple[str, str, str, int | None]]:
    """(kind, query, address_id expected first or "", town_id) from random real rooms."""
    from fangkong.addresses.models import StandardAddress

    rng = random.Random(seed)
    top = StandardAddress.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picks = rng.sample(range(1, top + 1), min(n * 2, top))
    rows = list(StandardAddress.objects.filter(pk__in=picks)[:n])
    rng.shuffle(rows)
    queries = []
    for i, a in enumerate(rows):
        lane_style = bool(a.lane)
        where = f"{a.road}{a.lane}弄" if lane_style else f"{a.road}{a.number}号"
        unit = a.number if lane_style else a.building
        kinds = [
            ("road+lane", where, "", None),
            (
                "road+lane+number prefix",
                f"{where}{unit[0]}" if lane_style else f"{where}{unit}号楼",
                "",
                None,
            ),
            ("full room (label)", a.label, a.address_id, None),
            (
                "full room (messy)",
                f"上海市浦东新区 {fullwidth(where)} {unit}-{a.room}",
                a.address_id,
                None,
            ),
            ("compound name", a.compound, "", None),
            ("compound prefix", a.compound[:2], "", None),
            ("compound+building+room", f"{a.compound}{unit}-{a.room}", a.address_id, None),
            ("compound+building+floor", f"{a.compound}{unit}号楼{a.room[0]}", "", None),
            ("road prefix", a.road[:2], "", None),
            ("road+lane in town", where, "", a.town_id),
        ]
        queries.append(kinds[i % len(kinds)])
    return queries


def percentiles(ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {q[49]:.2f}  p95 {q[94]:.2f}  p99 {q[98]:.2f}  max {max(ms):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument(
        "--http", type=int, default=200, help="how many of the queries also go through HTTP"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reimport", action="store_true")
    parser.add_argument(
        "--file", type=Path, default=SHARED_FILE, help="default: the shared 1.6M-room file"
    )
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from fangkong.addresses.queries import _union_sql, search_addresses

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(load(args.file, force=args.reimport))
    queries = make_queries(args.queries, args.seed)
    for _, q, _, town_id in queries[:50]:  # warm-up: caches and connection
        search_addresses(q, town_id=town_id)

    times: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    hits = wanted = empty = 0
    started = time.perf_counter()
    for kind, q, expected, town_id in queries:
        t0 = time.perf_counter()
        found = search_addresses(q, town_id=town_id)
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        by_kind[kind].append(ms)
        empty += not found
        if expected:
            wanted += 1
            hits += bool(found) and found[0].address_id == expected
    total = time.perf_counter() - started
    print(
        f"search_addresses, {len(times)} queries: {percentiles(times)}; {len(times) / total:,.0f} queries/s (one client)"
    )
    for kind, kind_ms in by_kind.items():
        print(
            f"  {kind:<26} n={len(kind_ms):<4} median {statistics.median(kind_ms):.2f} ms  max {max(kind_ms):.2f} ms"
        )
    print(f"  room asked for ranked first: {hits}/{wanted}; queries with no result: {empty}")

    client = Client()
    http_times = []
    for _, q, _, _ in queries[: args.http]:
        t0 = time.perf_counter()
        response = client.get("/api/v1/addresses/search", {"q": q})
        http_times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content
    print(
        f"GET /api/v1/addresses/search (Django test client), {len(http_times)} requests: {percentiles(http_times)}"
    )

    sql, params = _union_sql("上南路1", limit=20, town_id=None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    ranged = sum(
        "Index Scan using standardaddress_" in line or "USING COVERING INDEX" in line
        for line in plan
    )
    full = sum("Seq Scan" in line or line.startswith("SCAN addresses_") for line in plan)
    print(f"plan of '上南路1': {ranged} index range scans, {full} full scans; {plan[-1].strip()}")


if __name__ == "__main__":
    main()

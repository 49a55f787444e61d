"""Benchmark: the live dashboards with 1M bookings in one district round (PostgreSQL).

    .venv/bin/python benchmarks/dashboard.py [--rows 1000000] [--requests 30] [--reload]

Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/fk_bench_dashboard (created
and migrated when missing). One INSERT … SELECT over generate_series writes the bookings
(skipped when the round already holds ``--rows``): spread evenly over Pudong's 1,301
committees, registered over the three days before today with a morning and an evening peak
(Asia/Shanghai) and 1 % in the last 50 minutes, statuses by age (old bookings mostly reviewed,
notified and redeemed; the last day's mostly pending). The counters are then rebuilt
(``counters_rebuild``, as after any load that goes around the services) and the table is
VACUUM ANALYZEd.

Measured, through Django's test client (the whole request: session, scope, queries, template),
``--requests`` times each after 3 warm-up requests: the district, a town (周家渡街道) and a
committee (齐河第二社区) dashboard, full page and htmx partial; p50/p95/max. For comparison it
also times the aggregates the page would need without counters (status × town GROUP BY,
per-hour and overdue over the bookings, with their indexes). A script that prints figures,
not a test; figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fk_bench_dashboard")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")

ORG_CSV = ROOT / "fangkong" / "orgs" / "data" / "pudong_divisions.csv"
COMMITTEE = "T04C027"  # 齐河第二社区
TOWN = "T04"  # 周家渡街道
# Registration hour of day (local), repeated by weight: a morning and an evening peak.
HOURS = [7] * 2 + [8] * 6 + [9] * 9 + [10] * 9 + [11] * 7 + [12] * 4 + [13] * 4 + [14] * 5 + [15] * 5 + [16] * 4 \
    + [17] * 4 + [18] * 5 + [19] * 7 + [20] * 7 + [21] * 5 + [22] * 3 + [23] * 1 + [0, 6]


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("this benchmark needs PostgreSQL (DATABASE_URL=postgres://...)")
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(sql.Identifier(name)))


def setup_django() -> None:
    import django

    django.setup()


INSERT_SQL = """
WITH c AS (
    SELECT (row_number() OVER (ORDER BY committee_id) - 1)::int AS i, id AS unit_id, town_id, committee_id
    FROM booking_roundunit WHERE round_id = %(round)s AND committee_id IS NOT NULL
), k AS (SELECT count(*)::int AS n FROM c),
g AS (
    SELECT g,
           CASE WHEN g %% 100 = 0 THEN now() - (((g * 13) %% 3000) * interval '1 second')  -- 1 %%: the last 50 minutes
           -- else day 0..2 of the round, an hour from the weighted list, a second within it (local time)
           ELSE %(start)s::timestamptz + ((g %% 3) * interval '1 day')
             + ((%(hours)s::int[])[1 + ((g * 7919) %% %(nhours)s)] * interval '1 hour')
             + (((g * 104729) %% 3600) * interval '1 second') END AS at,
           (g * 2654435761) %% 1000 AS r
    FROM generate_series(0::bigint, %(rows)s::bigint - 1) AS g
), b AS (
    SELECT g.g, LEAST(g.at, now() - ((g.g %% 900) * interval '1 second')) AS at, g.r FROM g
)
INSERT INTO booking_booking (
    round_id, booking_no, seq, unit_id, district_id, town_id, committee_id, name, id_type, id_number, phone, email,
    address_text, compound, household_size, quantity, status, source, consent_at, created_at, reviewed_at,
    decision_reason_code, decision_note
)
SELECT %(round)s, 'D' || lpad(b.g::text, 9, '0'), (b.g / k.n) + 1, c.unit_id, %(district)s, c.town_id, c.committee_id,
       CASE WHEN b.g %% 2 = 0 THEN '王小明' ELSE '李晓红' END, 'resident_id', '310115' || lpad(b.g::text, 12, '0'),
       '138' || lpad((b.g %% 100000000)::text, 8, '0'), '', '航亭环路' || (b.g %% 2000) || '弄' || (b.g %% 30) || '号',
       '', 1 + b.g %% 5, 5, s.status, 'web', b.at, b.at,
       CASE WHEN s.status = 'pending' THEN NULL ELSE b.at + interval '2 hours' END,
       CASE WHEN s.status IN ('rejected', 'on_hold') THEN 'other' ELSE '' END,
       CASE WHEN s.status IN ('rejected', 'on_hold') THEN '电话核实' ELSE '' END
FROM b CROSS JOIN k JOIN c ON c.i = b.g %% k.n
CROSS JOIN LATERAL (SELECT CASE
    WHEN b.at > now() - interval '24 hours' THEN CASE
        WHEN b.r < 400 THEN 'pending' WHEN b.r < 450 THEN 'on_hold' WHEN b.r < 500 THEN 'rejected'
        WHEN b.r < 600 THEN 'approved' WHEN b.r < 900 THEN 'notified' ELSE 'redeemed' END
    ELSE CASE
        WHEN b.r < 30 THEN 'pending' WHEN b.r < 60 THEN 'on_hold' WHEN b.r < 110 THEN 'rejected'
        WHEN b.r < 160 THEN 'approved' WHEN b.r < 460 THEN 'notified' WHEN b.r < 910 THEN 'redeemed'
        WHEN b.r < 960 THEN 'expired' WHEN b.r < 970 THEN 'voided' ELSE 'not_allocated' END
    END AS status) AS s
"""


def prepare(rows: int, reload: bool) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangkong.booking.dashboard_counters import counters_rebuild
    from fangkong.booking.models import (
        Booking,
        Goods,
        Round,
        RoundStatus,
        RoundUnit,
        UnitHourCount,
        UnitStatusCount,
    )
    from fangkong.orgs.models import Committee, District, Role, Town, User
    from fangkong.orgs.roles import sync_role_groups
    from fangkong.orgs.services import org_import_csv, staff_create

    call_command("migrate", verbosity=0)
    if not District.objects.filter(code="310115").exists():
        org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    sync_role_groups()
    district = District.objects.get(code="310115")
    if not User.objects.filter(username="bench_district").exists():
        pw = secrets.token_urlsafe()
        staff_create(username="bench_district", password=pw, role=Role.DISTRICT_OFFICER, display_name="区级", district=district)
        staff_create(username="bench_town", password=pw, role=Role.TOWN_OFFICER, display_name="街镇", town=Town.objects.get(code=TOWN))
        staff_create(username="bench_qihe2", password=pw, role=Role.COMMITTEE_WORKER, display_name="齐河社工",
                     committee=Committee.objects.get(code=COMMITTEE))
    goods = Goods.objects.get_or_create(name="口罩", defaults={"unit": "只"})[0]
    # Opened at local midnight three days ago, open for another day: three full days of bookings,
    # and 1 % of them in the last 50 minutes (the hour not yet counted, read live).
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
    round_, _created = Round.objects.get_or_create(
        district=district, goods=goods, number=2, town=None,
        defaults={"name": "口罩 · 第二轮", "opens_at": start, "closes_at": start + timedelta(days=5), "status": RoundStatus.OPEN},
    )
    have = Booking.objects.filter(round=round_).count()
    if have == rows and not reload:
        print(f"bookings already loaded: {have:,} (registered {round_.opens_at:%m-%d %H:%M} onwards)")
        return
    Round.objects.filter(pk=round_.pk).update(opens_at=start, closes_at=start + timedelta(days=5), status=RoundStatus.OPEN)
    started = time.perf_counter()
    UnitStatusCount.objects.filter(unit__round=round_).delete()
    UnitHourCount.objects.filter(unit__round=round_).delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM booking_booking WHERE round_id = %s", [round_.pk])
    existing = set(RoundUnit.objects.filter(round=round_).values_list("committee_id", flat=True))
    RoundUnit.objects.bulk_create([
        RoundUnit(round=round_, town_id=t, committee_id=c, quota=900)
        for c, t in Committee.objects.filter(district=district).values_list("pk", "town_id") if c not in existing
    ])
    RoundUnit.objects.filter(round=round_, committee__isnull=False).update(quota=900)
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SQL, {"round": round_.pk, "district": district.pk, "rows": rows, "start": start,
                                    "hours": HOURS, "nhours": len(HOURS)})
        cursor.execute("UPDATE booking_roundunit SET booked = 0 WHERE round_id = %s", [round_.pk])
        cursor.execute(
            "UPDATE booking_roundunit u SET booked = b.n FROM (SELECT unit_id, count(*) AS n FROM booking_booking "
            "WHERE round_id = %s GROUP BY unit_id) b WHERE b.unit_id = u.id",
            [round_.pk],
        )
    loaded = time.perf_counter() - started
    print(f"loaded {rows:,} bookings with INSERT … SELECT generate_series in {loaded:.1f} s")
    started = time.perf_counter()
    round_.refresh_from_db()
    n = counters_rebuild(round_=round_)
    print(f"counters rebuilt ({n:,} status rows) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE booking_booking")
        cursor.execute("VACUUM ANALYZE booking_unitstatuscount")
        cursor.execute("VACUUM ANALYZE booking_unithourcount")
        cursor.execute("VACUUM ANALYZE booking_townhourcount")
        cursor.execute("VACUUM ANALYZE booking_roundunit")
    print(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  max {ordered[-1] * 1000:7.1f} ms"


def measure(requests: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from fangkong.booking.models import Booking, Round
    from fangkong.booking.workdays import overdue_cutoff
    from fangkong.orgs.models import Committee, Town, User

    round_ = Round.objects.get(number=2, goods__name="口罩", town__isnull=True)
    town = Town.objects.get(code=TOWN)
    committee = Committee.objects.get(code=COMMITTEE)
    cases = [
        ("district", "bench_district", reverse("desk:dashboard", args=[round_.pk])),
        ("town", "bench_town", reverse("desk:dashboard_town", args=[round_.pk, town.pk])),
        ("committee", "bench_qihe2", reverse("desk:dashboard_committee", args=[round_.pk, committee.pk])),
    ]
    total = Booking.objects.filter(round=round_).count()
    print(f"\n{total:,} bookings; {requests} requests each after 3 warm-ups (Django test client, DEBUG=0)")
    for name, username, url in cases:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for label, headers in (("full page", {}), ("htmx partial", {"HTTP_HX_REQUEST": "true"})):
            samples = []
            for i in range(requests + 3):
                started = time.perf_counter()
                response = client.get(url, **headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                if i >= 3:
                    samples.append(elapsed)
            print(f"{name:9} {label:12}  {_ms(samples)}  ({len(response.content) / 1024:.0f} KiB)")

    # The alternative: the same figures straight from the bookings (index-only where possible).
    print("\nwithout counters, the aggregates alone (PostgreSQL, same data):")
    queries = {
        "status × town GROUP BY": ("SELECT town_id, status, count(*) FROM booking_booking WHERE round_id = %s GROUP BY 1, 2",
                                   [round_.pk]),
        "per hour, last 48 h": ("SELECT date_trunc('hour', created_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM booking_booking "
                                "WHERE round_id = %s AND created_at >= now() - interval '48 hours' GROUP BY 1", [round_.pk]),
        "overdue per town": ("SELECT town_id, count(*) FROM booking_booking WHERE round_id = %s AND status = 'pending' "
                             "AND created_at < %s GROUP BY 1", [round_.pk, overdue_cutoff()]),
    }
    with connection.cursor() as cursor:
        sums = [0.0] * 10
        for label, (sql, params) in queries.items():
            samples = []
            for i in range(13):
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                if i >= 3:
                    samples.append(time.perf_counter() - started)
            for j, s in enumerate(samples):
                sums[j] += s
            print(f"  {label:24} {_ms(samples)}")
        print(f"  {'together':24} {_ms(sums)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    prepare(args.rows, args.reload)
    print("load: " + Path("/proc/loadavg").read_text().strip())
    measure(args.requests)


if __name__ == "__main__":
    main()

"""Benchmark: a committee's 2,000-row export and a district-wide 1M-row full table (XLSX).

    .venv/bin/python benchmarks/exports.py [--rows 1000000] [--committee-rows 2000] [--reload] [--csv]

Database: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/fk_bench_exports (created and
migrated when missing). The bookings are written with COPY (skipped when the round already has
``--rows``): 2,000 in 齐河第二社区, the rest spread over Pudong's 1,301 committees, statuses mixed.
Each export runs in a fresh subprocess through the same code the desk uses (``export_scope``,
``build_exporter``, ``ListExporter.write_xlsx``) and reports wall time and its peak RSS
(VmHWM, so the figure includes the interpreter and Django), with the CPU seconds of the
export process and of its PostgreSQL backend and the load average before and after: on a
shared machine the CPU figures compare runs, the wall time is what a user waits. Figures go to
benchmarks/README.md. A script that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fk_bench_exports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")

ORG_CSV = ROOT / "fangkong" / "orgs" / "data" / "pudong_divisions.csv"
COMMITTEE = "T04C027"  # 齐河第二社区
STATUSES = ["notified"] * 4 + ["pending"] * 3 + ["on_hold", "redeemed", "rejected"]


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


def prepare(rows: int, committee_rows: int, reload: bool) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangkong.booking.models import Booking, Goods, Round, RoundStatus, RoundUnit
    from fangkong.orgs.models import Committee, District, Role, User
    from fangkong.orgs.roles import sync_role_groups
    from fangkong.orgs.services import org_import_csv, staff_create

    call_command("migrate", verbosity=0)
    if not District.objects.filter(code="310115").exists():
        org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    sync_role_groups()
    district = District.objects.get(code="310115")
    qihe = Committee.objects.get(code=COMMITTEE)
    if not User.objects.filter(username="bench_district").exists():
        staff_create(username="bench_district", password=secrets.token_urlsafe(), role=Role.DISTRICT_OFFICER, display_name="区级", district=district)
        staff_create(username="bench_qihe2", password=secrets.token_urlsafe(), role=Role.COMMITTEE_WORKER, display_name="齐河社工", committee=qihe)
    worker = User.objects.get(username="bench_qihe2")
    goods = Goods.objects.get_or_create(name="口罩", defaults={"unit": "只"})[0]
    now = timezone.now()
    round_, _created = Round.objects.get_or_create(
        district=district, goods=goods, number=2, town=None,
        defaults={"name": "口罩 · 第二轮", "opens_at": now - timedelta(days=2), "closes_at": now - timedelta(days=1),
                  "status": RoundStatus.CLOSED},
    )
    have = Booking.objects.filter(round=round_).count()
    if have == rows and not reload:
        print(f"bookings already loaded: {have:,}")
        return
    Booking.objects.filter(round=round_).delete()
    committees = list(Committee.objects.filter(district=district).order_by("code").values_list("pk", "town_id", "name"))
    existing = set(RoundUnit.objects.filter(round=round_).values_list("committee_id", flat=True))
    RoundUnit.objects.bulk_create([RoundUnit(round=round_, town_id=t, committee_id=c) for c, t, _n in committees if c not in existing])
    units = dict(RoundUnit.objects.filter(round=round_).values_list("committee_id", "pk"))

    fields = [f for f in Booking._meta.concrete_fields if f.column != "id"]
    columns = [str(f.column) for f in fields]
    defaults = {f.column: (f.get_default() if f.has_default() else None) for f in fields}
    others = [c for c in committees if c[0] != qihe.pk]
    seqs: dict[int, int] = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY booking_booking ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(rows):
                cid, tid, cname = (qihe.pk, qihe.town_id, qihe.name) if n < committee_rows else others[n % len(others)]
                seqs[cid] = seq = seqs.get(cid, 0) + 1
                status = STATUSES[n % len(STATUSES)]
                reviewed = status != "pending"
                values = dict(defaults)
                values.update(
                    round_id=round_.pk, booking_no=f"B{round_.pk:03d}{n:09d}", seq=seq, unit_id=units[cid],
                    district_id=district.pk, town_id=tid, committee_id=cid, name="王小明" if n % 2 else "李晓红",
                    id_type="resident_id", id_number=f"310115{n:012d}",
                    phone=f"138{n:08d}", email="", address_text=f"航亭环路{n % 2000}弄{n % 30}号{n % 1500 + 101}室",
                    compound=f"{cname}小区", household_size=1 + n % 5, quantity=5, status=status, source="web",
                    consent_at=now, created_at=now - timedelta(seconds=rows - n),
                    reviewed_by_id=worker.pk if reviewed else None, reviewed_at=now if reviewed else None,
                    decision_reason_code="other" if status in ("on_hold", "rejected") else "",
                    decision_note="=电话核实" if status == "on_hold" else "",
                )
                copy.write_row([values[c] for c in columns])
    for cid, n in seqs.items():
        RoundUnit.objects.filter(round=round_, committee_id=cid).update(booked=n)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking")
    print(f"loaded {rows:,} bookings with COPY in {time.perf_counter() - started:.1f} s")


def peak_rss_mb() -> float:
    """VmHWM: this process image's peak RSS. ``getrusage``'s ru_maxrss would carry over the
    parent's peak through fork+exec; VmHWM belongs to the new address space."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu_seconds() -> float:
    """CPU time of this connection's PostgreSQL backend (same machine): with four other jobs on
    two cores, wall time says more about the neighbours than about the export; CPU time does not."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(which: str, fmt: str) -> None:
    """Runs in a fresh subprocess: one export to a temp file, then a JSON line of figures."""
    from fangkong.booking.exports import build_exporter, export_scope
    from fangkong.booking.models import Round
    from fangkong.orgs.models import User

    user = User.objects.get(username="bench_qihe2" if which == "committee" else "bench_district")
    round_ = Round.objects.visible_to(user).get(number=2, goods__name="口罩", town__isnull=True)
    rss_before = peak_rss_mb()
    load_before = os.getloadavg()[0]
    pg_before = backend_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    scope = export_scope(user)
    assert scope is not None
    exporter = build_exporter(user=user, round_=round_, kind="full", scope=scope)
    counted = exporter.queryset.count()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{fmt}"
        if fmt == "csv":
            with path.open("w", encoding="utf-8") as fh:
                for line in exporter.iter_csv():
                    fh.write(line)
            rows = exporter.rows_written
        else:
            rows = exporter.write_xlsx(str(path))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        pg_cpu = backend_cpu_seconds() - pg_before
        size = path.stat().st_size
    peak = peak_rss_mb()
    print(json.dumps({"which": which, "format": fmt, "rows": rows, "counted": counted, "seconds": round(seconds, 2),
                      "cpu_s": round(cpu, 1), "pg_cpu_s": round(pg_cpu, 1),
                      "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                      "peak_rss_mb": round(peak, 1), "rss_before_mb": round(rss_before, 1), "file_mb": round(size / 2**20, 1)}))


def run_measure(which: str, fmt: str) -> dict:  # type: ignore[type-arg]
    out = subprocess.run([sys.executable, __file__, "--measure", which, "--format", fmt],
                         check=True, capture_output=True, text=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--committee-rows", type=int, default=2000)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--csv", action="store_true", help="also time the CSV exports")
    parser.add_argument("--measure", choices=["committee", "district"])
    parser.add_argument("--only", choices=["committee", "district"], help="run only this export")
    parser.add_argument("--format", default="xlsx")
    args = parser.parse_args()
    if args.measure:
        setup_django()
        measure(args.measure, args.format)
        return
    ensure_database(os.environ["DATABASE_URL"])
    setup_django()
    prepare(args.rows, args.committee_rows, args.reload)
    formats = ["xlsx", "csv"] if args.csv else ["xlsx"]
    for fmt in formats:
        for which in [args.only] if args.only else ("committee", "committee", "district"):
            r = run_measure(which, fmt)
            print(f"{which:9} {fmt}: {r['rows']:>9,} rows in {r['seconds']:6.2f} s (CPU: export {r['cpu_s']} s, "
                  f"PostgreSQL {r['pg_cpu_s']} s; load {r['load'][0]}→{r['load'][1]}), peak RSS {r['peak_rss_mb']:.0f} MB "
                  f"(after start-up {r['rss_before_mb']:.0f} MB), file {r['file_mb']} MB")


if __name__ == "__main__":
    main()

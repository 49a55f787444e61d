"""Benchmark: a file sent to all 79,576 cadres and volunteers (issue 5 item 4) on PostgreSQL.

    .venv/bin/python benchmarks/exchange_status.py [--people 79576] [--downloaded 40000] [--requests 10]

Database ``fk_exchange_bench`` (created and migrated when missing), loaded as
``directive_fanout.py`` loads its own (real org tree, ``--people`` people by COPY). Measures,
through the product's code: ``file_send`` to everyone (fan-out of the announcing directive);
then, with ``--downloaded`` recipients marked as downloaded (one INSERT … SELECT), the sender's
status page ``/office/exchange/files/<id>/status/`` (unit roll-up + first 500 people) as the
district and as a town, requested in-process through Django's test client, p50/p95 in ms.
Prints figures for benchmarks/README.md. A script that measures, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import directive_fanout as base  # noqa: E402 - sets DATABASE_URL; replaced just below

base.DB_NAME = "fk_exchange_bench"
os.environ["DATABASE_URL"] = f"{base.PG}/{base.DB_NAME}"
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"


def timed(client, path: str, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for i in range(n + 2):
        started = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        if i >= 2:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1 if len(times) > 1 else 0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=79576)
    parser.add_argument("--downloaded", type=int, default=40000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    base.ensure_database(fresh=False)
    base.prepare(args.people)

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client

    from fangkong.exchange.models import Download, FileShare
    from fangkong.exchange.services_files import file_send
    from fangkong.office.directives import Target
    from fangkong.office.models import Receipt
    from fangkong.orgs.models import User

    officer = User.objects.get(username="bench-district")
    started = time.perf_counter()
    share = file_send(actor=officer, title="第九版防控方案", note="", upload=SimpleUploadedFile("方案.pdf", b"%" * 1000),
                      target=Target(levels=["towns", "committees"]), target_label="全部人员")
    print(f"file_send: {share.directive.recipients_count:,} recipients in {time.perf_counter() - started:.2f} s")
    version = share.versions.get()
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {Download._meta.db_table} (share_id, version_id, receipt_id, person_id, town_id, committee_id, at) "  # noqa: S608
            f"SELECT %s, %s, id, person_id, town_id, committee_id, now() FROM {Receipt._meta.db_table} "
            "WHERE directive_id = %s ORDER BY id LIMIT %s",
            [share.pk, version.pk, share.directive_id, args.downloaded],
        )
        cur.execute(f"ANALYZE {Download._meta.db_table}")
        cur.execute(f"ANALYZE {Receipt._meta.db_table}")
    c = Client()
    c.force_login(officer)
    p50, p95 = timed(c, f"/office/exchange/files/{share.pk}/status/", args.requests)
    print(f"status page (district, {args.downloaded:,} downloaded): p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    town = User.objects.get(username="bench-town")
    c.force_login(town)
    p50, p95 = timed(c, f"/office/exchange/files/{share.pk}/status/", args.requests)
    print(f"status page (town T04): p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    FileShare.objects.filter(pk=share.pk).delete()  # keep the bench database small between runs
    share.directive.delete()


if __name__ == "__main__":
    main()

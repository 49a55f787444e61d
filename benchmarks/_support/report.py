"""Results of ``booking_submit.py``: per-configuration figures, the database checks, the tables."""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .load import Phase
from .server import ServerConfig


@dataclass
class ConfigResult:
    config: ServerConfig
    round_id: int
    phases: list[Phase]
    checks: dict
    server_log_errors: int

    def measured(self, name: str) -> list[Phase]:
        return [p for p in self.phases if p.name == name]

    @property
    def booking(self) -> Phase:
        return self.measured("booking")[0]

    @property
    def bare_per_s(self) -> float:
        bare = self.measured("bare")
        return sum(p.statuses.get(201, 0) for p in bare) / max(sum(p.duration for p in bare), 1e-9)

    @property
    def ratio(self) -> float:
        return self.booking.ok_per_s / self.bare_per_s if self.bare_per_s else 0.0

    @property
    def bare_cpu_ms(self) -> tuple[float, float]:
        bare = [p for p in self.measured("bare") if p.cpu]
        n = max(sum(sum(p.statuses.values()) for p in bare), 1)
        return (
            sum(p.cpu.server for p in bare if p.cpu) * 1000 / n,
            sum(p.cpu.postgres for p in bare if p.cpu) * 1000 / n,
        )

    @property
    def ok(self) -> bool:
        return all(v == 0 for k, v in self.checks.items() if k.startswith("bad_"))



def verify(round_, phases: list[Phase]) -> dict:  # type: ignore[no-untyped-def]
    """Every 201 is exactly one row (by booking_no and id_number); every 409 names a row."""
    from django.db.models import Count, F

    from fangkong.booking.models import Booking, RoundUnit
    from fangkong.core.models import OutboundMessage

    booking_phases = [p for p in phases if "booking" in p.name]
    acked = [no for p in booking_phases for no in p.acked]
    conflicts = [no for p in booking_phases for no in p.conflicts]
    sent_ids: set[str] = set()
    for p in booking_phases:
        for f in p.body_files:
            with f.open(encoding="utf-8") as fh:
                sent_ids.update(json.loads(line)["id_number"] for line in fh)
    rows = list(Booking.objects.filter(round_id=round_.pk).values_list("booking_no", "id_number"))
    by_no = Counter(no for no, _ in rows)
    by_id = Counter(idn for _, idn in rows)
    id_of = dict(rows)
    acked_set = set(acked)
    in_flight = sum(p.summary.get("sent", 0) - p.summary.get("requests", 0) for p in booking_phases)
    sms = OutboundMessage.objects.filter(
        idempotency_key__startswith=f"booking_created:B{round_.pk}-"
    ).count()
    # Each committee's counter must equal its bookings: a failed (e.g. duplicate) booking rolls
    # its counter increment back, so queue numbers have no gaps and are never taken twice.
    units_off = (
        RoundUnit.objects.filter(round_id=round_.pk)
        .annotate(n=Count("bookings"))
        .exclude(booked=F("n"))
        .count()
    )
    return {
        "rows": len(rows),
        "acked_201": len(acked),
        "conflicts_409": len(conflicts),
        "dups_sent": sum(p.summary.get("dups", 0) for p in booking_phases),
        "unacked_rows": len(
            set(by_no) - acked_set
        ),  # committed, but the response was cut off at the end
        "requests_cut_at_end": in_flight,
        "sms_queued": sms,
        "bad_acked_missing": sum(1 for no in acked_set if no not in by_no),
        "bad_acked_twice": sum(1 for c in Counter(acked).values() if c > 1),
        "bad_rows_same_booking_no": sum(1 for c in by_no.values() if c > 1),
        "bad_rows_same_id_number": sum(1 for c in by_id.values() if c > 1),
        "bad_acked_id_not_once": sum(
            1 for no in acked_set if no in id_of and by_id[id_of[no]] != 1
        ),
        "bad_rows_unknown_id": sum(1 for idn in by_id if idn not in sent_ids),
        "bad_409_unknown_booking": sum(1 for no in conflicts if no not in by_no),
        "bad_dup_not_409": sum(p.dup_not_409 for p in booking_phases),
        "bad_5xx": sum(n for p in phases for s, n in p.statuses.items() if s >= 500),
        "bad_sms_not_one_per_booking": abs(sms - len(rows)),
        "bad_unacked_beyond_cut": max(len(set(by_no) - acked_set) - in_flight, 0),
        "bad_unit_counter_not_row_count": units_off,
    }


# --- output -----------------------------------------------------------------------------------


def phase_line(p: Phase) -> str:
    statuses = " ".join(f"{s}:{n}" for s, n in sorted(p.statuses.items()))
    errors = {k: v for k, v in p.summary.get("errors", {}).items() if v and k != "status"}
    cpu = p.cpu.shares() if p.cpu else ""
    if p.summary.get("exhausted"):
        cpu += "  WARNING: the client ran out of bodies (the rate is understated)"
    return (
        f"{p.name:<15} {p.duration:5.1f}s {p.ok_per_s:7.0f} created/s  p50 {p.latency_ms('50'):6.1f} ms  "
        f"p99 {p.latency_ms('99'):6.1f} ms  [{statuses}]{' sock' + str(errors) if errors else ''}  "
        f"client cpu {p.client_cpu:4.1f}s | {cpu} | app+pg CPU/req {p.cpu_ms()[0]:.2f}+{p.cpu_ms()[1]:.2f} ms"
    )


def table(results: list[ConfigResult]) -> str:
    head = (
        "| server config | bookings/s | p50 ms | p99 ms | bare inserts/s | booking/bare | statuses (booking) "
        "| 5xx | checks | client CPU | app / pg / other / idle / steal (booking phase) "
        "| CPU ms per request app+pg: booking vs bare | CPU ratio |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in results:
        for b, label in [(r.booking, r.config.label)]:
            statuses = " ".join(f"{s}:{n}" for s, n in sorted(b.statuses.items()))
            cap = b.cpu.wall * (os.cpu_count() or 2) if b.cpu else 1
            cpu = (
                f"{b.cpu.server / cap:.0%} / {b.cpu.postgres / cap:.0%} / {b.cpu.other / cap:.0%} / "
                f"{b.cpu.idle / cap:.0%} / {b.cpu.steal / cap:.0%}"
                if b.cpu
                else ""
            )
            ratio = b.ok_per_s / r.bare_per_s if r.bare_per_s else 0.0
            lines.append(
                f"| {label} | {b.ok_per_s:,.0f} | {b.latency_ms('50'):.1f} | {b.latency_ms('99'):.1f} | "
                f"{r.bare_per_s:,.0f} | {ratio:.0%} | {statuses} | "
                f"{sum(n for s, n in b.statuses.items() if s >= 500)} | {'ok' if r.ok else 'FAIL'} | "
                f"{b.client_cpu / b.duration / (os.cpu_count() or 2):.0%} | {cpu} | "
                f"{b.cpu_ms()[0]:.1f}+{b.cpu_ms()[1]:.1f} vs {r.bare_cpu_ms[0]:.2f}+{r.bare_cpu_ms[1]:.2f} | "
                f"{sum(r.bare_cpu_ms) / max(sum(b.cpu_ms()), 1e-9):.0%} |"
            )
    return "\n".join(lines)


def machine() -> str:
    mem = ""
    try:
        kb = int(
            next(
                x
                for x in Path("/proc/meminfo").read_text().splitlines()
                if x.startswith("MemTotal")
            ).split()[1]
        )
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = (
        ", load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    )
    return f"{os.cpu_count()} cores{mem}{load}; {platform.python_implementation()} {platform.python_version()}"


def pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    return f"PostgreSQL {version} (synchronous_commit={sync}, shared_buffers={buffers})"


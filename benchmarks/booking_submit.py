#!/usr/bin/env python
"""Booking submission throughput (issue 2): gunicorn + PostgreSQL, real HTTP, checked results.

    .venv/bin/python benchmarks/booking_submit.py [--seconds 20] [--connections 48] [--workers 3]
        [--threads 1] [--configs sync:3,gthread:3x4] [--client auto|wrk|python] [--fresh]
    .venv/bin/python benchmarks/booking_submit.py --profile 2000   # where a booking's time goes

For each server configuration it starts gunicorn (``config.wsgi``, DEBUG off, rate limits off,
persistent DB connections) on 127.0.0.1 against the ``fk_bench_booking`` database, then runs,
on the same server process: a warm-up, the *bare* view (one INSERT, see
``_support/bench_urls.py``) for seconds/2, the booking API ``POST /api/v1/rounds/{id}/bookings``
for ``--seconds``, and the bare view again for seconds/2. The bare figure is the mean of both
halves, so a neighbour's load on this shared 2-core machine hits both sides of the ratio alike.

Every booking body carries a fresh valid resident id; every ``--dup-every``-th request repeats
an id sent earlier and must get 409. Afterwards the database is checked: each HTTP 201 is one
row (by booking_no and by id_number), each 409 names an existing booking, no 5xx.

The load generator is ``wrk`` (Debian package ``wrk``) with ``_support/post_bodies.lua`` when it
is installed, else ``_support/pyclient.py``; its own CPU use is printed. Figures and how to read
them: benchmarks/README.md, section "Booking submit (issue 2)".
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUPPORT = Path(__file__).resolve().parent / "_support"
sys.path.insert(0, str(REPO))

from benchmarks._support import procstat  # noqa: E402

DB_NAME = "fk_bench_booking"
SWEEP = "sync:2,sync:3,sync:5,gthread:2x4,gthread:3x4,gthread:2x8,gthread:4x8"
AIM_BOOKINGS_PER_S, AIM_P99_MS, AIM_RATIO = 500, 250, 0.5


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # "sync" or "gthread"
    workers: int
    threads: int = 1

    @property
    def label(self) -> str:
        return (
            f"sync:{self.workers}"
            if self.worker_class == "sync"
            else f"gthread:{self.workers}x{self.threads}"
        )

    def gunicorn_args(self) -> list[str]:
        args = ["--workers", str(self.workers), "--worker-class", self.worker_class]
        if self.worker_class == "gthread":
            args += ["--threads", str(self.threads)]
        return args

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        kind, _, size = text.strip().partition(":")
        if kind == "sync":
            return cls("sync", int(size or 3))
        if kind == "gthread":
            workers, _, threads = (size or "3x4").partition("x")
            return cls("gthread", int(workers), int(threads or 4))
        raise SystemExit(f"bad server config {text!r}: use sync:N or gthread:NxT")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--seconds", type=int, default=20, help="measured booking seconds per config (default 20)"
    )
    p.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="warm-up seconds for each of bare and booking (default 3)",
    )
    p.add_argument(
        "--connections", type=int, default=48, help="concurrent client connections (default 48)"
    )
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker; >1 selects gthread (default 1 = sync)",
    )
    p.add_argument(
        "--configs", default="", help=f"comma list of sync:N / gthread:NxT; 'sweep' = {SWEEP}"
    )
    p.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    p.add_argument("--client-threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument(
        "--dup-every",
        type=int,
        default=50,
        help="every Nth booking request repeats an id (0: none)",
    )
    p.add_argument(
        "--towns",
        default="",
        help="import addresses of these towns only (default: the whole demo file)",
    )
    p.add_argument(
        "--fresh", action="store_true", help="drop and recreate the benchmark database first"
    )
    p.add_argument(
        "--keep-files", action="store_true", help="keep bodies, response logs and server log"
    )
    p.add_argument("--json", default="", help="also write the results as JSON to this path")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument(
        "--lean",
        action="store_true",
        help="also measure _support/lean_booking.py, a one-statement what-if of the recommendations",
    )
    p.add_argument(
        "--server-binding",
        action="store_true",
        help="what-if: psycopg server-side binding (prepared statements), via _support/bench_settings.py",
    )
    p.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the load test: profile N bookings through the Django test client",
    )
    return p.parse_args()


SETTINGS_MODULE = "config.settings"


def bench_env() -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "DEBUG": "false",
        # The per-IP limits (120/min on the booking API) would stop a one-IP load generator.
        "RATELIMIT_ENABLE": "false",
        "SECRET_KEY": "bench-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "600",
        "ROOT_URLCONF": "benchmarks._support.bench_urls",
        "LOG_LEVEL": "WARNING",
        "SMS_BACKEND": "outbox",
        "PYTHONPATH": str(REPO),
    }


# --- the server -------------------------------------------------------------------------------

_children: list[subprocess.Popen] = []


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started (and its process group, i.e. gunicorn's workers)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.wait(5)


def _cleanup() -> None:
    while _children:
        _stop(_children.pop())


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    config: ServerConfig
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.config.gunicorn_args(),
            "--backlog",
            "2048",
            "--keep-alive",
            "5",
            "--timeout",
            "60",
            "--worker-tmp-dir",
            "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir(),
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command(),
            cwd=REPO,
            env={**os.environ, **bench_env()},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole, not by the terminal's ^C
        )
        _children.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/rounds", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            if self.proc in _children:
                _children.remove(self.proc)

    def error_lines(self) -> int:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return sum(1 for line in text.splitlines() if "Traceback" in line or "[ERROR]" in line)


# --- the load generator -----------------------------------------------------------------------


@dataclass
class Phase:
    name: str  # warmup-bare, warmup-booking, bare, booking
    path: str
    seconds: int
    summary: dict = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    acked: list[str] = field(default_factory=list)  # booking_no of each 201
    conflicts: list[str] = field(default_factory=list)  # booking_no named by each 409
    dup_not_409: int = 0  # python client only: duplicates answered with something else
    server_errors: list[str] = field(default_factory=list)
    client_cpu: float = 0.0
    cpu: procstat.CpuUse | None = None
    body_files: list[Path] = field(default_factory=list)
    pg_states: str = ""  # mean number of bench DB backends in each state (see PgSampler)

    @property
    def duration(self) -> float:
        return self.summary.get("duration_us", 0) / 1e6 or float(self.seconds)

    @property
    def ok_per_s(self) -> float:
        return self.statuses.get(201, 0) / self.duration

    def cpu_ms(self) -> tuple[float, float]:
        """(app, PostgreSQL) CPU milliseconds per answered request: unlike req/s, this hardly
        moves when a neighbour takes half the machine."""
        n = max(sum(self.statuses.values()), 1)
        return (
            (self.cpu.server * 1000 / n, self.cpu.postgres * 1000 / n) if self.cpu else (0.0, 0.0)
        )

    def latency_ms(self, p: str) -> float:
        return self.summary.get("latency_us", {}).get("p", {}).get(p, 0) / 1000


class PgSampler:
    """Samples what the bench database's backends are doing, 10 times a second, during a phase:
    running (CPU), waiting on a row lock, on the WAL flush, or idle in a transaction waiting for
    the app's next statement (``ClientRead``: the round trip back to Python)."""

    def __init__(self) -> None:
        import threading

        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PgSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg

        from benchmarks._support.fixtures import PG_SERVER

        with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
            while not self._stop.wait(0.1):
                rows = conn.execute(
                    "SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, '') FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    [DB_NAME],
                ).fetchall()
                self.samples += 1
                for state, wtype, wevent in rows:
                    if state == "idle":
                        continue
                    if state == "active" and not wtype:
                        key = "running"
                    elif state == "active":
                        key = f"{wtype}:{wevent}"
                    else:
                        key = f"{state}" + (
                            f" ({wevent})" if wevent and wevent != "ClientRead" else ""
                        )
                    self.counts[key] += 1

    def summary(self) -> str:
        if not self.samples:
            return ""
        return ", ".join(f"{k} {v / self.samples:.1f}" for k, v in self.counts.most_common(5))


def pick_client(choice: str) -> str:
    if choice in ("auto", "wrk") and shutil.which("wrk"):
        return "wrk"
    if choice == "wrk":
        raise SystemExit(
            "wrk is not installed (Debian: apt-get install -y wrk); or use --client python"
        )
    return "python"


def run_client(
    client: str,
    phase: Phase,
    server: Server,
    *,
    workdir: Path,
    connections: int,
    threads: int,
    dup_every: int,
) -> None:
    tag = f"{phase.name}-{time.monotonic_ns()}"
    out_prefix = workdir / f"resp-{tag}-"
    dup_lag = max(4 * connections, 64)
    if client == "wrk":
        prefix = str(phase.body_files[0])[: -len("0.jsonl")]
        cmd = [
            "wrk",
            f"-t{threads}",
            f"-c{max(connections, threads)}",
            f"-d{phase.seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SUPPORT / "post_bodies.lua"),
            server.base + phase.path,
            "--",
            prefix,
            str(out_prefix),
            str(dup_every),
            str(dup_lag),
        ]
        marker = "WRK_SUMMARY "
    else:
        cmd = [
            sys.executable,
            str(SUPPORT / "pyclient.py"),
            "--url",
            server.base + phase.path,
            "--bodies",
            str(phase.body_files[0]),
            "--out",
            f"{out_prefix}0.tsv",
            "--connections",
            str(connections),
            "--seconds",
            str(phase.seconds),
            "--dup-every",
            str(dup_every),
            "--dup-lag",
            str(dup_lag),
        ]
        marker = "PY_SUMMARY "
    before = procstat.snapshot(server.proc.pid if server.proc else None, db_name=DB_NAME)
    usage_before = _children_cpu()
    started = time.monotonic()
    with PgSampler() as sampler:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=workdir)
        _children.append(proc)
        out, err = proc.communicate(timeout=phase.seconds + 120)
    wall = time.monotonic() - started
    phase.pg_states = sampler.summary()
    # communicate() reaped the client: its CPU (all threads) is the growth of our children's
    # rusage, as it is the only child of ours that ends in this window.
    phase.client_cpu = _children_cpu() - usage_before
    _children.remove(proc)
    after = procstat.snapshot(server.proc.pid if server.proc else None, db_name=DB_NAME)
    phase.cpu = procstat.cpu_between(before, after, wall, client_cpu=phase.client_cpu)
    line = next((x for x in out.decode().splitlines() if x.startswith(marker)), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"load generator failed ({proc.returncode}): {err.decode()[-2000:]}")
    phase.summary = json.loads(line[len(marker) :])
    for path in sorted(workdir.glob(f"{out_prefix.name}*.tsv")):
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.startswith("#BODY\t"):
                phase.server_errors.append(row[6:])
                continue
            parts = row.split("\t")
            status = int(parts[0])
            phase.statuses[status] += 1
            if status == 201:
                phase.acked.append(parts[1])
            elif status == 409:
                phase.conflicts.append(parts[1])
            if len(parts) > 2 and parts[2] == "1" and status != 409:
                phase.dup_not_409 += 1


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- one configuration ------------------------------------------------------------------------


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
    def lean(self) -> Phase | None:
        found = self.measured("booking-lean")
        return found[0] if found else None

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


def run_config(
    config: ServerConfig, args: argparse.Namespace, client: str, workdir: Path, data: BenchData
) -> ConfigResult:
    from django.db import connections

    from benchmarks._support import fixtures

    round_ = fixtures.open_round()
    booking_path = f"/api/v1/rounds/{round_.pk}/bookings"
    half = max(args.seconds // 2, 1)
    phases = [
        Phase("warmup-bare", "/bench/bare-insert", args.warmup),
        Phase("warmup-booking", booking_path, args.warmup),
        Phase("bare", "/bench/bare-insert", half),
        Phase("booking", booking_path, args.seconds),
        Phase("bare", "/bench/bare-insert", half),
    ]
    if args.lean:
        lean_path = f"/bench/rounds/{round_.pk}/bookings-lean"
        phases[2:2] = [Phase("warmup-booking-lean", lean_path, args.warmup)]
        phases.insert(-1, Phase("booking-lean", lean_path, args.seconds))
    threads = args.client_threads if client == "wrk" else 1
    for i, phase in enumerate(phases):
        phase.body_files = [
            workdir / f"bodies-{config.label.replace(':', '_')}-{i}-{t}.jsonl"
            for t in range(threads)
        ]
        # Bodies for a rate well above the pgbench ceiling (~3,800 tx/s): the client must not run out.
        per_second = 6000 if "bare" in phase.name else 4000
        data.write(phase.body_files, per_second * phase.seconds + 1000, bare="bare" in phase.name)
    connections.close_all()
    server = Server(config, workdir / f"gunicorn-{config.label.replace(':', '_')}.log")
    print(
        f"\n== {config.label}: round {round_.pk}, gunicorn on {server.base} ({shlex.join(server.command()[1:])})"
    )
    server.start()
    try:
        for phase in phases:
            dup_every = args.dup_every if "booking" in phase.name else 0
            run_client(
                client,
                phase,
                server,
                workdir=workdir,
                connections=args.connections,
                threads=threads,
                dup_every=dup_every,
            )
            print("   " + phase_line(phase), flush=True)
            if phase.pg_states:
                print(f"   {'':15} pg backends (mean): {phase.pg_states}", flush=True)
            time.sleep(1.0)  # let requests cut off at the end finish before the next phase
    finally:
        server.stop()
    checks = verify(round_, phases)
    return ConfigResult(config, round_.pk, phases, checks, server.error_lines())


@dataclass
class BenchData:
    seed: int
    addresses: list[str]
    cursor: list[int] = field(default_factory=lambda: [0])

    def __post_init__(self) -> None:
        from benchmarks._support.fixtures import People

        self.people = People(self.seed)
        self.bare_people = People(self.seed, next_index=20_000_000)

    def write(self, files: list[Path], n: int, *, bare: bool) -> None:
        from benchmarks._support.fixtures import write_bodies

        write_bodies(
            people=self.bare_people if bare else self.people,
            addresses=self.addresses,
            address_cursor=self.cursor,
            n=n,
            files=files,
        )


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
        for b, label in [
            (r.booking, r.config.label),
            (r.lean, f"{r.config.label} what-if: lean_booking"),
        ]:
            if b is None:
                continue
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


def main() -> int:
    global SETTINGS_MODULE
    args = parse_args()
    if args.server_binding:
        SETTINGS_MODULE = "benchmarks._support.bench_settings"
    os.environ.update(bench_env())
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, _on_signal)
    atexit.register(_cleanup)

    from benchmarks._support import fixtures

    fixtures.ensure_database(DB_NAME, fresh=args.fresh)
    import django

    django.setup()
    from django.db import connections

    if fixtures.migrations_diverged():
        print("bench DB has migrations that are no longer on disk: recreating it")
        connections.close_all()
        fixtures.ensure_database(DB_NAME, fresh=True)
    towns = [t.strip() for t in args.towns.split(",") if t.strip()] or None
    print(f"setting up {DB_NAME} ...", flush=True)
    fixtures.migrate_and_load(towns=towns)

    if args.profile:
        from benchmarks._support.profile_booking import profile

        fixtures.reset_bench_rows()
        return profile(args.profile, seed=args.seed)

    fixtures.reset_bench_rows()
    if args.configs == "sweep":
        configs = [ServerConfig.parse(c) for c in SWEEP.split(",")]
    elif args.configs:
        configs = [ServerConfig.parse(c) for c in args.configs.split(",")]
    elif args.threads > 1:
        configs = [ServerConfig("gthread", args.workers, args.threads)]
    else:
        configs = [ServerConfig("sync", args.workers)]
    client = pick_client(args.client)
    data = BenchData(args.seed, fixtures.address_pool(args.seed))
    started = datetime.now(UTC)
    command = shlex.join([".venv/bin/python", "benchmarks/booking_submit.py", *sys.argv[1:]])
    print(f"{started:%Y-%m-%d %H:%M} UTC · {machine()} · {pg_version()}")
    print(
        f"client: {client}, {args.connections} connections; configs: {', '.join(c.label for c in configs)}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="fk-bench-booking-"))
    results: list[ConfigResult] = []
    try:
        for config in configs:
            result = run_config(config, args, client, workdir, data)
            results.append(result)
            bad = {k: v for k, v in result.checks.items() if k.startswith("bad_") and v}
            info = {k: v for k, v in result.checks.items() if not k.startswith("bad_")}
            print(f"   checks: {'ok' if not bad else 'FAILED ' + str(bad)}  {info}")
            if result.booking.server_errors:
                print(f"   first 5xx body: {result.booking.server_errors[0][:200]}")
    finally:
        _cleanup()
        if not args.keep_files:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"files kept in {workdir}")
    if not results:
        return 1
    print(
        f"\n{command}\n{started:%Y-%m-%d %H:%M} UTC · {machine()} · client {client} ({args.connections} conns)\n"
    )
    print(table(results))
    meeting = [r for r in results if r.ok and r.booking.latency_ms("99") <= AIM_P99_MS] or results
    best = max(meeting, key=lambda r: r.booking.ok_per_s)
    b = best.booking
    cpu_ratio = sum(best.bare_cpu_ms) / max(sum(b.cpu_ms()), 1e-9)
    print(
        f"\nbest: {best.config.label}: {b.ok_per_s:,.0f} bookings/s, p50 {b.latency_ms('50'):.1f} ms, "
        f"p99 {b.latency_ms('99'):.1f} ms; bare {best.bare_per_s:,.0f} inserts/s; ratio {best.ratio:.0%} "
        f"(by CPU per request {cpu_ratio:.0%})\n"
        f"aims: >= {AIM_BOOKINGS_PER_S}/s {'met' if b.ok_per_s >= AIM_BOOKINGS_PER_S else 'MISSED'}, "
        f"p99 <= {AIM_P99_MS} ms {'met' if b.latency_ms('99') <= AIM_P99_MS else 'MISSED'}, "
        f"ratio >= {AIM_RATIO:.0%} {'met' if best.ratio >= AIM_RATIO else 'MISSED'}"
    )
    if best.lean is not None:
        lean = best.lean
        print(
            f"what-if lean_booking on {best.config.label}: {lean.ok_per_s:,.0f} bookings/s, "
            f"p99 {lean.latency_ms('99'):.1f} ms, ratio {lean.ok_per_s / best.bare_per_s:.0%} "
            f"(by CPU {sum(best.bare_cpu_ms) / max(sum(lean.cpu_ms()), 1e-9):.0%})"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "command": command,
                    "started": started.isoformat(),
                    "machine": machine(),
                    "client": client,
                    "connections": args.connections,
                    "results": [
                        {
                            "config": r.config.label,
                            "round": r.round_id,
                            "bookings_per_s": r.booking.ok_per_s,
                            "bare_per_s": r.bare_per_s,
                            "ratio": r.ratio,
                            "checks": r.checks,
                            "phases": [
                                {
                                    "name": p.name,
                                    "summary": p.summary,
                                    "statuses": dict(p.statuses),
                                    "client_cpu": p.client_cpu,
                                    "cpu": vars(p.cpu) if p.cpu else None,
                                }
                                for p in r.phases
                            ],
                        }
                        for r in results
                    ],
                },
                indent=1,
                default=str,
            )
        )
    return 0 if all(r.ok for r in results) else 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the server")
        _cleanup()
        sys.exit(130)

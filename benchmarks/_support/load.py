"""The load generator of ``booking_submit.py``: one measured phase (wrk or the Python client),
with CPU accounting from /proc and samples of what PostgreSQL's backends are doing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import procstat
from .server import DB_NAME, Server, children

SUPPORT = Path(__file__).resolve().parent


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
        children.append(proc)
        out, err = proc.communicate(timeout=phase.seconds + 120)
    wall = time.monotonic() - started
    phase.pg_states = sampler.summary()
    # communicate() reaped the client: its CPU (all threads) is the growth of our children's
    # rusage, as it is the only child of ours that ends in this window.
    phase.client_cpu = _children_cpu() - usage_before
    children.remove(proc)
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


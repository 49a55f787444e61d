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
them: benchmarks/README.md, section "Booking submit (issue 2)". The parts: ``_support/server.py``
(gunicorn), ``_support/load.py`` (one phase of load), ``_support/report.py`` (checks, tables),
``_support/fixtures.py`` (database and data), ``_support/profile_booking.py`` (``--profile``).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._support import server as srv  # noqa: E402
from benchmarks._support.load import Phase, pick_client, run_client  # noqa: E402
from benchmarks._support.report import ConfigResult, machine, pg_version, phase_line, table, verify  # noqa: E402
from benchmarks._support.server import DB_NAME, Server, ServerConfig, bench_env  # noqa: E402

SWEEP = "sync:2,sync:3,sync:5,gthread:2x4,gthread:3x4,gthread:2x8,gthread:4x8"
AIM_BOOKINGS_PER_S, AIM_P99_MS, AIM_RATIO = 500, 250, 0.5


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



def main() -> int:
    args = parse_args()
    if args.server_binding:
        srv.SETTINGS_MODULE = "benchmarks._support.bench_settings"
    os.environ.update(bench_env())
    os.chdir(REPO)
    signal.signal(signal.SIGTERM, srv.on_signal)
    atexit.register(srv.cleanup)

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
        srv.cleanup()
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
        srv.cleanup()
        sys.exit(130)

"""Screening (issue 6) end to end: a generated day through ``fangkong screen``, timed, its peak
memory measured, and its orders scored against the generator's truth.

    python benchmarks/screening.py [--scale day|big|sample] [--engine duckdb|spark|duckdb,spark]
                                   [--records N] [--people N] [--workers 2] [--seed 20200222]
                                   [--standard ../shared/data/standard_addresses.csv.gz] [--data-dir DIR]

* ``day`` (default): 10,000 source records against 200,000 people (the issue: under 30 s after the
  indexes are built);
* ``big``: 4,000,000 source records against 5,500,000 people and the full 1.6M-room standard file
  (the issue: under 10 minutes on DuckDB on this machine);
* ``sample``: the shared ``../shared/data/screening_sample`` day (its own truth).

The day comes from ``fangkong.pipeline.screening.generator`` (seeded; the truth is the generator's
own knowledge, not a pipeline run). Generation and the address index build happen before the clock
starts and are reported on their own; ``--data-dir`` keeps the generated day so a second run (or
the other engine) reuses it. Each run is ``fangkong screen`` in its own process: wall time from
process start (engine start-up counts) and the peak RSS of the whole process tree (driver, matcher
workers, Spark's JVM and Python workers), sampled from /proc every 0.2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fangkong.pipeline.screening.generator import generate_day  # noqa: E402
from fangkong.pipeline.screening.score import score  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SCALES = {"day": (10_000, 200_000), "big": (4_000_000, 5_500_000)}
AS_OF = date(2020, 2, 22)


class TreeRSS:
    """Peak memory of a process and all its descendants (Linux /proc), sampled: the summed RSS
    (counts pages that forked workers share with their parent once per process, an upper bound)
    and the summed PSS (shared pages split between the processes sharing them: the real total)."""

    def __init__(self, pid: int, every: float = 0.2, limit: int = 0) -> None:
        self.pid, self.every, self.limit = pid, every, limit
        self.peak = self.peak_pss = self.peak_procs = 0
        self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    @staticmethod
    def _mem(pid: int) -> tuple[int, int]:
        """(RSS, PSS) in bytes, from smaps_rollup."""
        rss = pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
        return rss, pss

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            total = pss = procs = 0
            for p in self._tree():
                try:
                    r, q = self._mem(p)
                except (OSError, IndexError, ValueError):
                    continue
                total, pss, procs = total + r, pss + q, procs + 1
            if total > self.peak:
                self.peak, self.peak_procs = total, procs
            self.peak_pss = max(self.peak_pss, pss)
            if self.limit and pss > self.limit and not self.killed:
                # a shared machine: stop the run (its own session) rather than push others out of memory
                self.killed = True
                os.killpg(self.pid, signal.SIGTERM)
            # Reading smaps_rollup walks a process's page tables: ~50 ms for a 15 GB JVM. Wait at
            # least 20x the last reading, so the sampler stays under 5 % of one core.
            self._stop.wait(max(self.every, 20 * (time.perf_counter() - started)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def ensure_day(data_dir: Path, standard: str, records: int, people: int, seed: int) -> Path:
    """The generated day in ``data_dir/day-<records>-<people>-<seed>`` (reused when complete)."""
    day = data_dir / f"day-{records}-{people}-{seed}"
    marker = day / "generated.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        print(f"day reused: {day} ({info['seconds']:.0f}s to generate)")
        return day
    g = generate_day(day, standard, n_records=records, n_people=people, seed=seed, as_of=AS_OF)
    marker.write_text(json.dumps({"seconds": g.seconds, "rows": g.rows, "orders": g.orders}))
    print(f"generated {day} in {g.seconds:.1f}s (single process): "
          + ", ".join(f"{k} {v:,}" for k, v in g.rows.items()))
    print(f"  people in sources {g.people_in_sources:,}, outside the district {g.outside:,}; expected orders "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(g.orders.items())))
    return day


def build_index(standard: str) -> None:
    from fangkong.pipeline.steps import ensure_index_file

    t = time.perf_counter()
    path = ensure_index_file(standard)
    print(f"address index file ready in {time.perf_counter() - t:.1f}s: {path}")


# ``--via api``: the same run through run_screening, printing when each stage starts
_API = """
import sys, time
from datetime import date
from pathlib import Path
from fangkong.pipeline.screening import ScreeningInputs, run_screening
a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
t0 = time.perf_counter()
def progress(label, fraction):
    print(f"stage at {time.perf_counter() - t0:7.1f}s: {label}", flush=True)
s = run_screening(ScreeningInputs(Path(a["--sources"]), Path(a["--population"]), Path(a["--standard"]),
                  Path(a["--key-areas"]), Path(a["--managed"]), date.fromisoformat(a["--as-of"]), Path(a["--output"])),
                  engine=a["--engine"], workers=int(a["--workers"]), progress=progress)
print(f"{s.records} records, {s.people} people, {s.key_people} key people -> {s.orders} orders {s.by_type}; "
      f"{s.transfers} transferred out; {s.seconds:.1f}s on {a['--engine']}")
"""


def run_screen(day: Path, standard: str, out: Path, engine: str, workers: int,
               rss_limit: int = 0, via: str = "cli") -> tuple[float, TreeRSS, str]:
    code = _API if via == "api" else "import sys; from fangkong.cli import main; sys.exit(main(sys.argv[1:]))"
    cmd = [sys.executable, "-c", code, *([] if via == "api" else ["screen"]), "--sources", str(day / "sources"), "--population", str(day / "population.csv"),
           "--standard", standard, "--key-areas", str(day / "key_areas.csv"), "--managed", str(day / "managed.csv"),
           "--as-of", AS_OF.isoformat(), "--output", str(out), "--engine", engine, "--workers", str(workers)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    rss = TreeRSS(proc.pid, limit=rss_limit)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t
    rss.stop()
    if rss.killed:
        raise SystemExit(f"[{engine}] stopped after {wall:.0f}s: the process tree passed --rss-limit-mb "
                         f"({rss.peak_pss / 2**20:,.0f} MB PSS)")
    if proc.returncode != 0:
        raise SystemExit(f"[{engine}] fangkong screen failed ({proc.returncode}):\n{stderr[-3000:]}")
    # DuckDB's progress bar goes to stdout: keep the CLI's own summary lines
    lines = [ln for ln in stdout.replace("\r", "\n").splitlines() if ln.strip() and "▕" not in ln]
    return wall, rss, ("\n" if via == "api" else " | ").join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=["day", "big", "sample"], default="day")
    ap.add_argument("--engine", default="duckdb", help="duckdb, spark or duckdb,spark")
    ap.add_argument("--records", type=int, help="source records (default by --scale)")
    ap.add_argument("--people", type=int, help="population rows (default by --scale)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20200222)
    ap.add_argument("--standard", default=str(DATA / "standard_addresses.csv.gz"))
    ap.add_argument("--data-dir", help="keep generated days here and reuse them (default: a temporary dir)")
    ap.add_argument("--rss-limit-mb", type=int, default=0,
                    help="stop the run when its process tree passes this PSS (0: no limit)")
    ap.add_argument("--via", choices=["cli", "api"], default="cli",
                    help="cli: `fangkong screen`; api: run_screening, printing when each stage starts")
    ap.add_argument("--misses", type=int, default=5, help="list up to N misses of each kind")
    args = ap.parse_args()
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="fk-screen-") as tmp:
        data_dir = Path(args.data_dir) if args.data_dir else Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        if args.scale == "sample":
            day = DATA / "screening_sample"
        else:
            records, people = SCALES[args.scale]
            day = ensure_day(data_dir, args.standard, args.records or records, args.people or people, args.seed)
        build_index(args.standard)
        outputs: dict[str, bytes] = {}
        for engine in args.engine.split(","):
            out = Path(tmp) / f"orders-{engine}.csv"
            wall, mem, line = run_screen(day, args.standard, out, engine, args.workers,
                                                  args.rss_limit_mb * 2**20, args.via)
            n_rec = sum(max(0, sum(1 for _ in (day / "sources" / f).open(encoding="utf-8")) - 1)
                        for f in os.listdir(day / "sources") if f.endswith(".csv"))
            print("\n".join(f"[{engine}] {ln}" for ln in line.splitlines()))
            print(f"[{engine}] {n_rec:,} source records: {wall:.1f}s wall from process start; peak memory of the "
                  f"process tree: PSS {mem.peak_pss / 2**20:,.0f} MB, summed RSS {mem.peak / 2**20:,.0f} MB "
                  f"({mem.peak_procs} processes)")
            s = score(out, day / "truth.csv")
            print("\n".join(f"[{engine}] {ln}" for ln in s.summary().splitlines()))
            for title, items in (("missed", s.missed), ("false positives", s.false_positives),
                                 ("misrouted", s.misrouted), ("duplicated", s.duplicated)):
                for item in items[: args.misses]:
                    print(f"[{engine}]   {title}: " + ", ".join(f"{k}={v}" for k, v in item.items()))
            outputs[engine] = out.read_bytes()
        if len(outputs) == 2:
            a, b = outputs.values()
            print(f"duckdb and spark ORDERS.csv byte-identical: {a == b}")
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

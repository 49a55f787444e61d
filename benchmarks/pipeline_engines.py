"""The same 100,000 records through the three ways of running the matcher, in one run:

    python benchmarks/pipeline_engines.py [--standard ../shared/data/standard_addresses.csv.gz]
                                          [--records 100000] [--workers 2] [--engines python,duckdb,spark]

* ``python``: ``fangkong match-addresses --workers N`` (in-process pool, the default path);
* ``duckdb``: ``--engine duckdb --workers N`` (DuckDB reads/sorts, N forked matcher processes);
* ``spark``: ``--engine spark --workers N`` (PySpark ``local[N]``, the matcher in Spark's Python workers).

Records are generated exactly as ``benchmarks/match_addresses.py`` does (same seed, same noise).
Each engine runs as its own ``fangkong`` process (wall time from process start, so engine start-up
counts; the CLI's own figure excludes the index-file step). The outputs must agree: DuckDB and Spark
byte for byte, the default path row for row after sorting.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from match_addresses import noisy  # noqa: E402

from fangkong.pipeline.address.index import iter_standard_rows, load_index  # noqa: E402

_CLI = """
import resource, sys
from fangkong.cli import main
rc = main(sys.argv[1:])
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(f"peak RSS of one Python process (driver or worker; the JVM not included): {peak / 1024:.0f} MB")
sys.exit(rc)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--standard", default=str(ROOT.parent / "shared" / "data" / "standard_addresses.csv.gz"))
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engines", default="python,duckdb,spark")
    args = ap.parse_args()
    print(f"load before: {os.getloadavg()}")
    rng = random.Random(20200222)
    sample: list[list[str]] = []
    for i, row in enumerate(iter_standard_rows(args.standard)):
        if i < args.records:
            sample.append(row)
        else:
            j = rng.randrange(i + 1)
            if j < args.records:
                sample[j] = row
    load_index(args.standard)  # build the cache once, outside the timings
    results: dict[str, tuple[float, Path]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        rec_path = Path(tmp) / "records.csv"
        with rec_path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["record_id", "address"])
            for i, r in enumerate(sample):
                w.writerow([f"B{i:07d}", noisy(rng, r)])
        truth = {f"B{i:07d}": r[0] for i, r in enumerate(sample)}
        del sample
        for engine in args.engines.split(","):
            out = Path(tmp) / f"{engine}.csv"
            t = time.perf_counter()
            run = subprocess.run(
                [sys.executable, "-c", _CLI, "match-addresses", "--standard", args.standard, "--records", str(rec_path),
                 "--output", str(out), "--workers", str(args.workers), "--engine", engine],
                check=True, cwd=ROOT, capture_output=True, text=True,
            )
            wall = time.perf_counter() - t
            results[engine] = (wall, out)
            print(f"[{engine}] " + " | ".join(run.stdout.strip().splitlines()))
            print(f"[{engine}] {args.records:,} records in {wall:.1f}s wall from process start = {args.records / wall:,.0f} records/s")
        outs = {e: p.read_bytes() for e, (_, p) in results.items()}
        if "duckdb" in outs and "spark" in outs:
            print(f"duckdb and spark outputs byte-identical: {outs['duckdb'] == outs['spark']}")
        if "python" in outs:
            base = sorted(csv.reader(outs["python"].decode().splitlines()[1:]))
            for e in outs.keys() - {"python"}:
                print(f"{e} rows equal the default path's (sorted): {sorted(csv.reader(outs[e].decode().splitlines()[1:])) == base}")
        for e, data in outs.items():
            rows = list(csv.DictReader(data.decode().splitlines()))
            ok = sum(r["address_id"] == truth[r["record_id"]] for r in rows if r["address_id"])
            print(f"[{e}] identified {ok / len(rows):.2%}")
    print(f"benchmark driver peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

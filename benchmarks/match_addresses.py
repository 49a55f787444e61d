"""Address matching speed: index build, cached load, records/s for 100,000 records, peak RSS.

    python benchmarks/match_addresses.py [--standard ../shared/data/standard_addresses.csv.gz]
                                         [--records 100000] [--workers 2]

The 100,000 records are generated here (seeded) by sampling rooms of the standard file and
writing them the way people do with this script's own noise: prefixes, towns, compound
instead of road, Chinese/full-width numerals, dashes, spaces, phone numbers, homophone typos.
Accuracy on them is printed too (the truth is known).
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

from fangkong.pipeline.address.index import iter_standard_rows, load_index  # noqa: E402

_BUILD_SNIPPET = """
import resource, sys, time
from fangkong.pipeline.address.index import load_index
t, c = time.perf_counter(), time.process_time()
ix, how = load_index(sys.argv[1], use_cache=False)
print(f"index build (read gzip + build, no cache): {time.perf_counter() - t:.1f}s wall, "
      f"{time.process_time() - c:.1f}s CPU, {ix.rooms_total:,} rooms; "
      f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
"""
_CLI_SNIPPET = """
import resource, sys
from fangkong.cli import main
c0 = resource.getrusage(resource.RUSAGE_SELF)
rc = main(sys.argv[1:])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
peak = max(me.ru_maxrss, kids.ru_maxrss)
print(f"match-addresses peak RSS (largest of the main process and its workers): {peak / 1024:.0f} MB")
cpu = (me.ru_utime + me.ru_stime - c0.ru_utime - c0.ru_stime) + kids.ru_utime + kids.ru_stime
print(f"match-addresses CPU time, main process + workers: {cpu:.1f}s")
sys.exit(rc)
"""
CN = "零一二三四五六七八九"
HOMOPHONE = {"东": "冬", "民": "明", "新": "心", "南": "楠", "环": "还", "杨": "扬", "河": "和", "林": "琳", "方": "芳"}


def _cn(n: str) -> str:
    return "".join(CN[int(d)] for d in n)


def _fw(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s)


def noisy(rng: random.Random, r: list[str]) -> str:
    _, _, town, _, committee, road, lane, number, compound, building, room = r[:11]
    if rng.random() < 0.15:
        road = "".join(HOMOPHONE.get(c, c) if rng.random() < 0.5 else c for c in road)
    roomw = room if rng.random() < 0.7 else _cn(room)
    if lane:
        core = rng.choice([
            f"{road}{lane}弄{number}号{roomw}室", f"{road}{lane}弄{number}-{room}", f"{compound}{number}号{roomw}",
            f"{road}{_cn(lane)}弄{number}号楼{room}", f"{road}{lane}弄{compound}{number}号 {room}室",
        ])
    else:
        core = rng.choice([
            f"{road}{number}号{building}号楼{roomw}", f"{compound}{building}幢{room}室", f"{compound}{building}-{room}",
            f"{road}{number}号{compound}{building}栋{roomw}室",
        ])
    prefix = rng.choice(["", "上海市", "浦东新区", "上海市浦东新区", "上海浦东新区", "南汇区"])
    mid = rng.choice(["", town, town.replace("街道", "").replace("镇", ""), committee])
    text = prefix + mid + core
    if rng.random() < 0.2:
        text = _fw(text)
    if rng.random() < 0.1:
        text = rng.choice(["李女士 1380013", "家住", "张先生13912345678 "]) + text
    return text


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--standard", default=str(ROOT.parent / "shared" / "data" / "standard_addresses.csv.gz"))
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    print(f"load: {os.getloadavg()}")

    # index build in a fresh process (its own peak RSS), without the cache
    build = subprocess.run(
        [sys.executable, "-c", _BUILD_SNIPPET, args.standard], check=True, cwd=ROOT, capture_output=True, text=True
    )
    print(build.stdout.strip())
    # sample rooms without holding all 1.6M rows (reservoir sampling, seeded)
    rng = random.Random(20200222)
    sample: list[list[str]] = []
    for i, row in enumerate(iter_standard_rows(args.standard)):
        if i < args.records:
            sample.append(row)
        else:
            j = rng.randrange(i + 1)
            if j < args.records:
                sample[j] = row

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FANGKONG_CACHE_DIR"] = tmp
        load_index(args.standard)  # builds and writes the cache (next to the input or in tmp)
        t = time.perf_counter()
        _, how = load_index(args.standard)
        print(f"cached load: {time.perf_counter() - t:.2f}s ({how})")

        rec_path, out_path = Path(tmp) / "records.csv", Path(tmp) / "out.csv"
        with rec_path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["record_id", "address"])
            for i, r in enumerate(sample):
                w.writerow([f"B{i:07d}", noisy(rng, r)])
        truth = {f"B{i:07d}": r[0] for i, r in enumerate(sample)}
        t = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", _CLI_SNIPPET, "match-addresses", "--standard", args.standard,
             "--records", str(rec_path), "--output", str(out_path), "--workers", str(args.workers)],
            check=True, cwd=ROOT, capture_output=True, text=True,
        )
        wall = time.perf_counter() - t
        print(run.stdout.strip())
        with out_path.open(encoding="utf-8") as fh:
            out = list(csv.DictReader(fh))
        matched = [o for o in out if o["address_id"]]
        correct = sum(o["address_id"] == truth[o["record_id"]] for o in matched)
        print(f"{len(out):,} records in {wall:.1f}s wall (incl. start-up and cached index load) = {len(out) / wall:,.0f} records/s")
        cpu_line = next((ln for ln in run.stdout.splitlines() if ln.startswith("match-addresses CPU time")), "")
        if cpu_line:
            cpu_total = float(cpu_line.rsplit(" ", 1)[1].rstrip("s"))
            print(f"CPU per record over the whole CLI run (main process + workers, incl. start-up and index load): "
                  f"{cpu_total / len(out) * 1e6:.0f} µs = {len(out) / cpu_total:,.0f} records per CPU-second "
                  f"(two otherwise idle cores: up to {2 * len(out) / cpu_total:,.0f} records/s)")
        print(f"identified {correct / len(out):.2%}, precision {correct / max(len(matched), 1):.3%}")
        # the same records in this process, one core, CPU time: a figure the machine's load does not skew
        from fangkong.pipeline.address import match

        ix, _ = load_index(args.standard)
        with rec_path.open(encoding="utf-8") as fh:
            texts = [r["address"] for r in csv.DictReader(fh)]
        c = time.process_time()
        for text in texts:
            match(ix, text)
        cpu = time.process_time() - c
        print(f"one process: {len(texts) / cpu:,.0f} records per CPU-second ({cpu / len(texts) * 1e6:.0f} µs/record)")
    print(f"benchmark driver peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (holds the sample)")
    print(f"load: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

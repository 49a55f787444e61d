"""The ``fangkong`` command (plain Python, no Django): ``fangkong match-addresses ...``."""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

OUT_COLUMNS = ["record_id", "address_id", "committee_code", "confidence", "status", "explanation"]
_INDEX = None


def _init_worker(standard: str) -> None:
    global _INDEX
    from fangkong.pipeline.address import load_index

    _INDEX = load_index(standard)[0]


def _match_chunk(chunk: list[tuple[str, str]]) -> tuple[str, Counter[str]]:
    """One chunk as CSV text and its status counts (formatted in the worker: the parent only
    writes the text, so it does not compete with the workers for the CPU)."""
    import io

    from fangkong.pipeline.address import match

    buf = io.StringIO()
    writer = csv.writer(buf)
    counts: Counter[str] = Counter()
    for rid, address in chunk:
        d = match(_INDEX, address)  # type: ignore[arg-type]
        writer.writerow((rid, d.address_id, d.committee_code, f"{d.confidence:.3f}", d.status, d.explanation))
        counts[d.status] += 1
    return buf.getvalue(), counts


def _read_records(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "record_id" not in reader.fieldnames or "address" not in reader.fieldnames:
            raise SystemExit(f"error: {path} needs the columns record_id,address")
        for row in reader:
            yield row["record_id"], row["address"] or ""


def _chunks(it: Iterator[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    chunk: list[tuple[str, str]] = []
    for item in it:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def match_addresses(args: argparse.Namespace) -> int:
    global _INDEX
    from fangkong.pipeline.address import load_index

    standard, records, output = Path(args.standard), Path(args.records), Path(args.output)
    for p in (standard, records):
        if not p.exists():
            print(f"error: {p} does not exist", file=sys.stderr)
            return 2
    if getattr(args, "engine", "python") != "python":
        return _match_addresses_on_engine(args, standard, records, output)
    t0 = time.perf_counter()
    _INDEX, how = load_index(standard)
    from fangkong.pipeline.address.fuzzy import char_pinyin

    char_pinyin("路")  # import pypinyin once, before the workers fork
    import gc

    gc.freeze()  # the index is permanent: garbage collections (and forked workers) leave it alone
    t_index = time.perf_counter() - t0
    with records.open(encoding="utf-8-sig") as fh:
        total = max(sum(1 for _ in fh) - 1, 0)
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=total, unit="rec", desc="match-addresses", file=sys.stderr)
    counts: Counter[str] = Counter()
    t1 = time.perf_counter()
    workers = max(1, args.workers)
    with output.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(OUT_COLUMNS)
        chunks = _chunks(_read_records(records), 2000)
        if workers == 1:
            results: Iterator[tuple[str, Counter[str]]] = map(_match_chunk, chunks)
            pool = None
        else:
            # fork: the workers inherit the loaded index; elsewhere they load it from the cache
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            pool = ctx.Pool(workers, initializer=None if ctx.get_start_method() == "fork" else _init_worker,
                            initargs=() if ctx.get_start_method() == "fork" else (str(standard),))
            results = pool.imap(_match_chunk, chunks)
        try:
            for text, chunk_counts in results:
                fh.write(text)
                counts.update(chunk_counts)
                if progress is not None:
                    progress.update(chunk_counts.total())
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    if progress is not None:
        progress.close()
    elapsed = time.perf_counter() - t1
    n = sum(counts.values())
    rate = n / elapsed if elapsed > 0 else 0.0
    print(
        f"{n} records: matched {counts['matched']}, committee_only {counts['committee_only']}, "
        f"review {counts['review']}, outside {counts['outside']}; index {how} in {t_index:.1f}s; "
        f"{rate:,.0f} records/s with {workers} worker(s) → {output}"
    )
    return 0


def _match_addresses_on_engine(args: argparse.Namespace, standard: Path, records: Path, output: Path) -> int:
    """--engine duckdb|spark: the same matching as a pipeline step (output sorted by record_id)."""
    from fangkong.pipeline.engine import EngineError
    from fangkong.pipeline.steps.addresses import run_match_addresses

    try:
        r = run_match_addresses(args.engine, standard, records, output, workers=max(1, args.workers))
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    counts, n = r["counts"], r["rows"]
    print(
        f"{n} records: matched {counts['matched']}, committee_only {counts['committee_only']}, "
        f"review {counts['review']}, outside {counts['outside']}; index file in {r['index_seconds']:.1f}s; "
        f"{n / r['seconds']:,.0f} records/s on {args.engine} with {max(1, args.workers)} worker(s), "
        f"engine start {r['start_seconds']:.1f}s included → {output}"
    )
    return 0


def screen(args: argparse.Namespace) -> int:
    """``fangkong screen``: one day's exports → ORDERS.csv, transfers and the quality report."""
    from datetime import date

    from fangkong.pipeline.engine import EngineError
    from fangkong.pipeline.screening import ScreeningInputs, run_screening
    from fangkong.pipeline.screening.config import ConfigError

    try:
        as_of = date.fromisoformat(args.as_of)
    except ValueError:
        print(f"error: --as-of {args.as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    inputs = ScreeningInputs(
        sources_dir=Path(args.sources), population=Path(args.population), standard=Path(args.standard),
        key_areas=Path(args.key_areas), managed=Path(args.managed), as_of=as_of, output=Path(args.output),
        rules_path=Path(args.rules) if args.rules else None,
    )
    for p in (inputs.population, inputs.standard, inputs.key_areas, inputs.managed):
        if not p.exists():
            print(f"error: {p} does not exist", file=sys.stderr)
            return 2
    progress = None
    if sys.stderr.isatty():
        def progress(label: str, fraction: float) -> None:
            print(f"[{fraction:4.0%}] {label}", file=sys.stderr)
    try:
        s = run_screening(inputs, engine=args.engine, workers=max(1, args.workers), progress=progress)
    except (EngineError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    types = ", ".join(f"{k} {v}" for k, v in s.by_type.items())
    print(
        f"{s.records} records, {s.people} people, {s.key_people} key people → {s.orders} orders ({types}); "
        f"{s.transfers} transferred out; {s.seconds:.1f}s on {args.engine} → {s.orders_path}, {s.transfers_path.name}, "
        f"{s.quality_path.name}" + (f"; unknown files: {', '.join(s.unknown_files)}" if s.unknown_files else "")
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fangkong", description="Fangkong command-line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("match-addresses", help="match free-text addresses against the standard address file")
    p.add_argument("--standard", required=True, help="standard addresses CSV (optionally .gz)")
    p.add_argument("--records", required=True, help="CSV with columns record_id,address")
    p.add_argument("--output", required=True, help="output CSV")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--engine", choices=["python", "duckdb", "spark"], default="python",
                   help="python: in this process (default, input order); duckdb or spark: as a pipeline "
                        "step (output sorted by record_id; spark runs local[WORKERS])")
    p.set_defaults(func=match_addresses)
    p = sub.add_parser("screen", help="screen one day of source exports into work orders (issue 6)")
    p.add_argument("--sources", required=True, help="directory with the day's exports (checkpoint, rail, healthcloud, hotline)")
    p.add_argument("--population", required=True, help="population CSV: id_number,name,phone,address_id")
    p.add_argument("--standard", required=True, help="standard addresses CSV (optionally .gz)")
    p.add_argument("--key-areas", required=True, help="key areas CSV: area,start_date,end_date")
    p.add_argument("--managed", required=True, help="managed list CSV: id_number,name,since")
    p.add_argument("--as-of", required=True, help="the run date AS_OF, YYYY-MM-DD")
    p.add_argument("--output", required=True, help="ORDERS.csv (transfers and quality report are written next to it)")
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="pipeline engine (default duckdb)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (DuckDB) or local[N] (Spark); default 2")
    p.add_argument("--rules", help="rules YAML (default: the shipped rules.yaml)")
    p.set_defaults(func=screen)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())

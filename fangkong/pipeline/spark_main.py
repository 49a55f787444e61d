"""``spark-submit`` entry point for address matching on a cluster (see docs/pipeline.md).

    spark-submit --master spark://HOST:7077 --files /shared/.standard_addresses.csv.gz.<hash>.v11.fkindex \\
        fangkong/pipeline/spark_main.py --index .standard_addresses.csv.gz.<hash>.v11.fkindex \\
        --records hdfs:///fangkong/records.csv --output /data/out.csv [--partitions 64]

``--index`` is the pickled index (any ``fangkong match-addresses`` run leaves it next to the
standard file, or in ``$FANGKONG_CACHE_DIR`` when that directory is read-only); only its
*path* travels to the executors, which load it once per Python worker (from ``--files`` through
SparkFiles, or from shared storage). ``--standard`` instead builds/loads it on the driver (a local
file), for a cluster whose nodes share that path. ``--output`` is one CSV written through the
driver, byte-identical to ``--engine duckdb``; ``--output-dir`` lets the executors write part files
(for outputs too large for the driver; same rows, Spark's CSV quoting).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="spark_main", description="fangkong address matching on Spark")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--index", help="the .fkindex file: a path on shared storage, or the name of a --files file")
    src.add_argument("--standard", help="standard addresses CSV[.gz] on the driver (index built/cached there)")
    ap.add_argument("--records", required=True, help="CSV with columns record_id,address (any Spark-readable URI)")
    out = ap.add_mutually_exclusive_group(required=True)
    out.add_argument("--output", help="one CSV file, written by the driver")
    out.add_argument("--output-dir", help="a directory of part files, written by the executors")
    ap.add_argument("--partitions", type=int, default=None, help="match partitions (default: the cluster's parallelism)")
    ap.add_argument("--master", default=None, help="only outside spark-submit, e.g. local[2]")
    args = ap.parse_args(argv)

    from fangkong.pipeline.engine import EngineError
    from fangkong.pipeline.engine.spark_engine import SparkEngine
    from fangkong.pipeline.steps.addresses import ensure_index_file, match_addresses_step

    t0 = time.perf_counter()
    index = args.index if args.index else str(ensure_index_file(Path(args.standard)))
    engine = SparkEngine(master=args.master, app_name="fangkong-match-addresses")
    try:
        records = engine.read_csv(args.records, ["record_id", "address"])
        table = match_addresses_step(engine, records, index, partitions=args.partitions)
        if args.output:
            n = engine.write_csv(table, args.output)
            where = args.output
        else:
            table.write.mode("overwrite").option("header", True).option("escape", '"').csv(args.output_dir)
            n, where = engine.count(table), args.output_dir
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        engine.close()
    print(f"{n} records matched on Spark in {time.perf_counter() - t0:.1f}s → {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

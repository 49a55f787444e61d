"""The address-matching step: the matcher run per partition on DuckDB or Spark.

The index travels as a *path* (the pickled ``.fkindex`` cache file, or the standard CSV it is
built from): each worker process loads it once and keeps it in :data:`_INDEXES`. On a cluster the
file is shipped with ``spark-submit --files`` and found through ``SparkFiles``.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from fangkong.pipeline.address import Index, load_index, match_many
from fangkong.pipeline.address.index import INDEX_VERSION, cache_path_for, file_digest
from fangkong.pipeline.engine import Engine, Row

#: the ``fangkong match-addresses`` output contract
MATCH_COLUMNS = ["record_id", "address_id", "committee_code", "confidence", "status", "explanation"]
INDEX_SUFFIX = ".fkindex"
_INDEXES: dict[str, Index] = {}


def ensure_index_file(standard: str | Path) -> Path:
    """The ``.fkindex`` file of a standard-address file, built and cached if needed.

    Normally the matcher's own cache (next to the input, or ``$FANGKONG_CACHE_DIR``); when that
    could not be written, a copy in the temporary directory.
    """
    ix, _ = load_index(standard)
    cache = cache_path_for(standard, file_digest(standard))
    if cache.exists():
        return cache
    fallback = Path(tempfile.gettempdir()) / cache.name
    if not fallback.exists():
        fd, tmp = tempfile.mkstemp(dir=fallback.parent, prefix=".fkindex-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(ix, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, fallback)
    return fallback


def _resolve(path: str) -> Path:
    p = Path(path)
    if p.exists():
        return p
    try:  # on a cluster: a file shipped with --files sits in the executor's SparkFiles directory
        from pyspark import SparkFiles

        shipped = Path(SparkFiles.get(p.name))
        if shipped.exists():
            return shipped
    except Exception:  # noqa: S110 - not on Spark, or no SparkContext here: report the path below
        pass
    raise FileNotFoundError(f"address index {path} not found (on a cluster: ship it with --files)")


def index_for(path: str) -> Index:
    """The index behind ``path`` (``.fkindex`` or standard CSV), loaded once per process."""
    ix = _INDEXES.get(path)
    if ix is None:
        p = _resolve(path)
        if p.name.endswith(INDEX_SUFFIX):
            version = re.search(r"\.v(\d+)\.fkindex$", p.name)
            if version and int(version.group(1)) != INDEX_VERSION:
                raise ValueError(f"{p} was built by index version {version.group(1)}, this code reads {INDEX_VERSION}")
            with p.open("rb") as fh:
                ix = pickle.load(fh)  # noqa: S301 - our own index file
            if not isinstance(ix, Index):
                raise TypeError(f"{p} is not an address index")
        else:
            ix = load_index(p)[0]
        _INDEXES[path] = ix
    return ix


def match_partition(index_path: str, rows: Iterable[Row]) -> Iterator[Row]:
    """(record_id, address) rows → rows of :data:`MATCH_COLUMNS` (as the CLI writes them)."""
    ix = index_for(index_path)
    pairs = (("" if r[0] is None else str(r[0]), "" if r[1] is None else str(r[1])) for r in rows)
    for rid, d in match_many(ix, pairs):
        yield (rid, d.address_id, d.committee_code, f"{d.confidence:.3f}", d.status, d.explanation)


def match_addresses_step(
    engine: Engine, records: Any, index_path: str | Path, *, partitions: int | None = None, **apply_options: Any
) -> Any:
    """Match a table with columns ``record_id, address`` (others ignored) against the index at
    ``index_path``; a table of :data:`MATCH_COLUMNS` ordered by record_id (then the rest, so that
    duplicate ids too come out in the same order on every engine)."""
    path = str(index_path)
    if getattr(engine, "forks_workers", False):
        index_for(path)  # load before forking: the workers share it copy-on-write
    src = engine.temp_name("match_in")
    engine.register(src, records)
    q = engine.quote
    pairs = engine.sql(f"SELECT {q('record_id')}, {q('address')} FROM {src}")  # noqa: S608
    matched = engine.apply(pairs, partial(match_partition, path), MATCH_COLUMNS, partitions=partitions, **apply_options)
    out = engine.temp_name("match_out")
    engine.register(out, matched)
    order = ", ".join(q(c) for c in MATCH_COLUMNS)
    return engine.sql(f"SELECT {order} FROM {out} ORDER BY {order}")  # noqa: S608


def run_match_addresses(
    engine_name: str, standard: Path, records: Path, output: Path, *, workers: int = 1, master: str | None = None
) -> dict[str, Any]:
    """``fangkong match-addresses --engine duckdb|spark``: the whole file through the step.

    Returns the status counts and timings; the CLI prints them.
    """
    from fangkong.pipeline.engine import get_engine

    t0 = time.perf_counter()
    index_file = ensure_index_file(standard)
    t_index = time.perf_counter() - t0
    options: dict[str, Any] = {"workers": workers} if engine_name == "duckdb" else {"master": master or f"local[{max(workers, 1)}]"}
    progress = None
    apply_options: dict[str, Any] = {}
    if engine_name == "duckdb" and sys.stderr.isatty():
        from tqdm import tqdm

        with records.open(encoding="utf-8-sig") as fh:
            total = max(sum(1 for _ in fh) - 1, 0)
        progress = tqdm(total=total, unit="rec", desc=f"match-addresses ({engine_name})", file=sys.stderr)
        apply_options["progress"] = progress.update
    t1 = time.perf_counter()
    with get_engine(engine_name, **options) as engine:
        t_start = time.perf_counter() - t1
        table = engine.read_csv(records, ["record_id", "address"])
        result = engine.persist(match_addresses_step(engine, table, index_file, **apply_options))
        name = engine.temp_name("summary")
        engine.register(name, result)
        counts: Counter[str] = Counter(
            {str(s): int(n) for s, n in engine.rows(engine.sql(f"SELECT status, COUNT(*) FROM {name} GROUP BY status"))}  # noqa: S608
        )
        n = engine.write_csv(result, output)
    if progress is not None:
        progress.close()
    return {"counts": counts, "rows": n, "index_seconds": t_index, "start_seconds": t_start,
            "seconds": time.perf_counter() - t1, "index_file": index_file}

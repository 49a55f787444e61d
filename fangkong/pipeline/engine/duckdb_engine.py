"""The embedded engine: DuckDB in this process, Python steps in a pool of forked processes."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .base import Engine, EngineError, PartitionFn, Row, check_columns

# DuckDB's own default is 80 % of RAM. The 4M-record screening day (benchmarks/README.md) ran in
# 260 s with 5.4 GB for the whole process tree under a 4 GB cap, against 288 s and 11.7 GB
# without one: spilling costs less than it saves here, and the web app and the worker's
# other jobs keep their memory. Raise it with FANGKONG_DUCKDB_MEMORY_LIMIT on a bigger machine.
DEFAULT_MEMORY_LIMIT = "4GB"
BATCH_ROWS = 2000  # rows per task sent to a worker: small enough for a smooth progress bar


def _text(values: Sequence[Any]) -> list[str | None]:
    return [v if v is None or isinstance(v, str) else str(v) for v in values]


def _run_partition(fn: PartitionFn, rows: list[Row]) -> list[Row]:
    return list(fn(iter(rows)))


class DuckDBEngine(Engine):
    """DuckDB (in-memory unless ``database`` is a path). ``workers`` > 1 runs :meth:`apply` in
    that many processes (forked, so whatever the parent loaded, such as an address index, is
    shared copy-on-write)."""

    name = "duckdb"
    dialect = "duckdb"
    forks_workers = True

    def __init__(
        self,
        *,
        workers: int = 1,
        database: str = ":memory:",
        threads: int | None = None,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
    ) -> None:
        """``memory_limit`` (e.g. ``"6GB"``; default: env ``FANGKONG_DUCKDB_MEMORY_LIMIT``, else
        :data:`DEFAULT_MEMORY_LIMIT`) caps DuckDB's buffer manager; beyond it joins, sorts and
        aggregations spill to ``temp_directory`` (default: env ``FANGKONG_DUCKDB_TEMP_DIR``, else
        a fresh directory under the system's temporary directory, removed by :meth:`close` —
        DuckDB's own default is ``.tmp`` in the current directory)."""
        import duckdb

        self.workers = max(1, workers)
        self._con = duckdb.connect(database)
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        memory_limit = memory_limit or os.environ.get("FANGKONG_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
        self._con.execute("SET memory_limit = ?", [memory_limit])
        temp_directory = temp_directory or os.environ.get("FANGKONG_DUCKDB_TEMP_DIR") or None
        self._own_temp: str | None = None
        if temp_directory is None:
            self._own_temp = temp_directory = tempfile.mkdtemp(prefix="fangkong-duckdb-")
        self._con.execute("SET temp_directory = ?", [temp_directory])

    @property
    def native(self) -> Any:
        return self._con

    def read_csv(self, path: str | Path, columns: Sequence[str] | None = None) -> Any:
        if not Path(path).exists():
            raise EngineError(f"{path} does not exist")
        rel = self._con.read_csv(
            str(path), header=True, all_varchar=True, sep=",", quotechar='"', escapechar='"', encoding="utf-8"
        )
        found = list(rel.columns)
        wanted = check_columns(path, found, columns)
        clean = [c.lstrip("\ufeff") for c in found]
        select = ", ".join(f"{self.quote(f)} AS {self.quote(c)}" for f, c in zip(found, clean, strict=True) if c in wanted)
        view = self.temp_name("csv")
        rel.create_view(view)
        order = ", ".join(self.quote(c) for c in wanted)
        return self._con.sql(f"SELECT {order} FROM (SELECT {select} FROM {view})")  # noqa: S608

    def from_rows(self, rows: Iterable[Row], columns: Sequence[str]) -> Any:
        import pyarrow as pa

        data = list(rows)
        arrays = [pa.array([None if r[i] is None else str(r[i]) for r in data], pa.string()) for i in range(len(columns))]
        return self._materialize(pa.table(arrays, names=list(columns)))

    def _materialize(self, arrow_table: Any) -> Any:
        name = self.temp_name("t")
        self._con.register(name + "_arrow", arrow_table)
        self._con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
        self._con.unregister(name + "_arrow")
        return self._con.table(name)

    def register(self, name: str, table: Any) -> None:
        table.create_view(name, replace=True)

    def sql(self, query: str) -> Any:
        return self._con.sql(query)

    def columns(self, table: Any) -> list[str]:
        return list(table.columns)

    def persist(self, table: Any) -> Any:
        name = self.temp_name("p")
        table.create(name)
        return self._con.table(name)

    def apply(
        self,
        table: Any,
        fn: PartitionFn,
        schema: Sequence[str],
        *,
        partitions: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Any:
        import pyarrow as pa

        data = table.arrow()  # columnar and compact; frees the connection for the writes below
        if hasattr(data, "read_all"):  # duckdb >= 1.4 returns a RecordBatchReader
            data = data.read_all()
        batches = (list(zip(*(c.to_pylist() for c in b.columns), strict=True)) for b in data.to_batches(BATCH_ROWS))
        out: list[Any] = []

        def collect(rows: list[Row]) -> None:
            cols = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
            out.append(pa.record_batch([pa.array(_text(c), pa.string()) for c in cols], names=list(schema)))
            if progress is not None:
                progress(len(rows))

        workers = min(self.workers, partitions or self.workers, max(1, data.num_rows // BATCH_ROWS))
        if workers <= 1:
            for rows in batches:
                collect(_run_partition(fn, rows))
        else:
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            with ctx.Pool(workers) as pool:
                for rows in pool.imap(partial(_run_partition, fn), batches):
                    collect(rows)
        empty = pa.schema([(c, pa.string()) for c in schema])
        return self._materialize(pa.Table.from_batches(out, schema=empty))

    def rows(self, table: Any) -> Iterator[Row]:
        cur = self._con.cursor()
        try:
            cur.execute(table.sql_query())
            while chunk := cur.fetchmany(10_000):
                yield from chunk
        finally:
            cur.close()

    def close(self) -> None:
        self._con.close()
        if self._own_temp is not None:
            shutil.rmtree(self._own_temp, ignore_errors=True)
            self._own_temp = None


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

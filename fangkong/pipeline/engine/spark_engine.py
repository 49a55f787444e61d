"""The distributed engine: PySpark (``local[N]`` in tests and on one machine, a cluster through
``spark-submit``, see docs/pipeline.md). Python steps run in Spark's Python workers, which are
reused between tasks, so a step's per-process cache (the address index) is loaded once each."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .base import Engine, EngineError, PartitionFn, Row, check_columns

DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "Asia/Shanghai",
    "spark.python.worker.reuse": "true",
    "spark.sql.shuffle.partitions": "4",
    "spark.driver.extraJavaOptions": "-Dio.netty.tryReflectionSetAccessible=true",
}

#: For short local runs (tests): the JVM's quick JIT tier only and the serial GC start a local
#: session and its first queries about twice as fast here (19 s instead of 30–39 s, load ~6);
#: not for long jobs, where the optimising JIT pays off.
QUICK_START_CONF = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dio.netty.tryReflectionSetAccessible=true",
}


def _string_schema(columns: Sequence[str]) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(c, StringType(), True) for c in columns])


class _Partition:
    """Picklable wrapper: Spark rows → plain tuples → ``fn`` → tuples of text."""

    def __init__(self, fn: PartitionFn) -> None:
        self.fn = fn

    def __call__(self, rows: Iterator[Any]) -> Iterator[Row]:
        for out in self.fn(tuple(r) for r in rows):
            yield tuple(None if v is None else str(v) for v in out)


class SparkEngine(Engine):
    """A SparkSession: the one passed in (left running by :meth:`close`), or a new one on
    ``master`` (``None``: whatever ``spark-submit`` configured)."""

    name = "spark"
    dialect = "spark"
    forks_workers = False

    def __init__(
        self,
        spark: Any = None,
        *,
        master: str | None = "local[2]",
        app_name: str = "fangkong-pipeline",
        conf: dict[str, str] | None = None,
    ) -> None:
        logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO lines outlive pytest's streams
        self._own = spark is None
        if spark is None:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None:  # e.g. under spark-submit or a test session: share, never stop it
                self._own = False
                master = None
            builder = SparkSession.builder.appName(app_name)
            if master:
                builder = builder.master(master)
            for k, v in {**DEFAULT_CONF, **(conf or {})}.items():
                builder = builder.config(k, v)
            spark = builder.getOrCreate()
            spark.sparkContext.setLogLevel("ERROR")
        self._spark = spark

    @property
    def native(self) -> Any:
        return self._spark

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def read_csv(self, path: str | Path, columns: Sequence[str] | None = None) -> Any:
        p = str(path)
        if "://" not in p and not Path(p).exists():
            raise EngineError(f"{path} does not exist")
        df = self._spark.read.csv(
            p, header=True, inferSchema=False, multiLine=True, quote='"', escape='"', encoding="UTF-8"
        )
        found = list(df.columns)
        wanted = check_columns(path, found, columns)
        df = df.toDF(*[c.lstrip("\ufeff") for c in found])
        return df.select(*wanted)

    def from_rows(self, rows: Iterable[Row], columns: Sequence[str]) -> Any:
        data = [tuple(None if v is None else str(v) for v in r) for r in rows]
        return self._spark.createDataFrame(data, _string_schema(columns))

    def register(self, name: str, table: Any) -> None:
        table.createOrReplaceTempView(name)

    def sql(self, query: str) -> Any:
        return self._spark.sql(query)

    def columns(self, table: Any) -> list[str]:
        return list(table.columns)

    def persist(self, table: Any) -> Any:
        return table.persist()

    def apply(self, table: Any, fn: PartitionFn, schema: Sequence[str], *, partitions: int | None = None) -> Any:
        """``fn`` per partition in the Python workers. A single CSV file reads as one partition
        (multi-line quoting), so the input is spread over ``partitions`` (default: the cluster's
        parallelism) first. The result is cached: Spark would otherwise run ``fn`` again for
        every action, including the sampling pass of a later ORDER BY."""
        n = partitions or self._spark.sparkContext.defaultParallelism
        if table.rdd.getNumPartitions() < n:
            table = table.repartition(n)
        rdd = table.rdd.mapPartitions(_Partition(fn))
        return self._spark.createDataFrame(rdd, _string_schema(schema)).persist()

    def rows(self, table: Any) -> Iterator[Row]:
        for r in table.toLocalIterator():
            yield tuple(r)

    def close(self) -> None:
        if self._own:
            self._spark.stop()

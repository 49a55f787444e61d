"""One engine interface for the pipeline, on DuckDB (embedded default) and Spark.

``get_engine("duckdb" | "spark", ...)`` → :class:`Engine`; see ``base.py`` for the interface and
``fangkong/pipeline/steps/`` for the steps written against it. The engine modules import
duckdb/pyspark only when an engine is created.
"""

from __future__ import annotations

from typing import Any

from .base import CSV_LINE_END, Engine, EngineError, PartitionFn, Row

ENGINES = ("duckdb", "spark")


def get_engine(name: str, **options: Any) -> Engine:
    """``duckdb`` (options: workers, database, threads) or ``spark`` (spark, master, app_name, conf)."""
    if name == "duckdb":
        from .duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from .spark_engine import SparkEngine

        return SparkEngine(**options)
    raise EngineError(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")


__all__ = ["CSV_LINE_END", "ENGINES", "Engine", "EngineError", "PartitionFn", "Row", "get_engine"]

"""The pipeline engine interface (plain Python, no Django).

A pipeline is a chain of small *steps*: functions that take an :class:`Engine` and table names
or handles and return a new table. Where SQL fits (reading, cleaning, deduplicating, joining,
counting) a step writes SQL in the common subset of DuckDB and Spark SQL and calls
:meth:`Engine.sql`; where it does not (the address matcher, ID checksums, date parsing of messy
exports) it calls :meth:`Engine.apply` with a plain Python function over a partition's rows.
The same step then runs embedded on DuckDB (the default) and on Spark, and results leave the
engine through :meth:`Engine.rows` / :meth:`Engine.write_csv`; they enter Django only through a
service. Splink's ``DatabaseAPI`` follows the same split, so a linking step can hand Splink the
engine's native connection (:attr:`Engine.native`).

Every column is text: exports are messy, typing is a cleaning step's job, and text keeps the two
engines' outputs byte-identical.
"""

from __future__ import annotations

import csv
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

Row = tuple[Any, ...]
#: A partition function: rows (tuples in the input table's column order) → output rows.
#: It must be picklable by reference (a module-level function or a functools.partial of one),
#: because it runs in worker processes (DuckDB's process pool, Spark's Python workers).
PartitionFn = Callable[[Iterator[Row]], Iterable[Row]]

CSV_LINE_END = "\r\n"  # what Python's csv.writer (and so the in-process CLI) writes


class EngineError(Exception):
    """Bad input for a step (missing file, missing columns); the message is for the user."""


class Engine(ABC):
    """One interface over DuckDB and Spark; table handles are engine-native (opaque to steps)."""

    name: str = "abstract"
    #: sqlglot-style dialect name, for the rare step whose SQL must differ between engines.
    dialect: str = "ansi"

    @property
    @abstractmethod
    def native(self) -> Any:
        """The engine's own connection/session (duckdb connection, SparkSession)."""

    @abstractmethod
    def read_csv(self, path: str | Path, columns: Sequence[str] | None = None) -> Any:
        """A CSV file (header row, UTF-8, optionally .gz) as a table of text columns.

        With ``columns``, only those columns, in that order; an :class:`EngineError` names the
        missing ones. Empty fields are NULL on both engines.
        """

    @abstractmethod
    def from_rows(self, rows: Iterable[Row], columns: Sequence[str]) -> Any:
        """A small table from Python rows (tests, reference lists)."""

    @abstractmethod
    def register(self, name: str, table: Any) -> None:
        """Make ``table`` visible to :meth:`sql` as ``name`` (a temporary view)."""

    @abstractmethod
    def sql(self, query: str) -> Any:
        """A table from a query over registered names."""

    @abstractmethod
    def columns(self, table: Any) -> list[str]:
        """The table's column names."""

    @abstractmethod
    def apply(self, table: Any, fn: PartitionFn, schema: Sequence[str], *, partitions: int | None = None) -> Any:
        """``fn`` over each partition of ``table``; its rows form a table with text columns ``schema``."""

    @abstractmethod
    def rows(self, table: Any) -> Iterator[Row]:
        """The table's rows, streamed to this process (in the table's order)."""

    def count(self, table: Any) -> int:
        self.register("_fk_count", table)
        return int(next(self.rows(self.sql("SELECT COUNT(*) FROM _fk_count")))[0])

    def write_csv(self, table: Any, path: str | Path) -> int:
        """Write ``table`` (in its order) as one CSV file with a header; returns the row count.

        Both engines stream rows through Python's csv module, so the same rows give the same bytes
        (NULL is written as an empty field).
        """
        n = 0
        with Path(path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator=CSV_LINE_END)
            writer.writerow(self.columns(table))
            for row in self.rows(table):
                writer.writerow(["" if v is None else v for v in row])
                n += 1
        return n

    def quote(self, name: str) -> str:
        """``name`` as a quoted SQL identifier in this engine's dialect."""
        return '"' + name.replace('"', '""') + '"'

    def temp_name(self, stem: str) -> str:
        """A fresh view name, so that a step called twice never rebinds an earlier step's input."""
        self._temp_counter = getattr(self, "_temp_counter", 0) + 1
        return f"_fk_{stem}_{self._temp_counter}"

    def persist(self, table: Any) -> Any:
        """Computed once, kept for several reads (DuckDB: a table; Spark: cached)."""
        return table

    @abstractmethod
    def close(self) -> None:
        """Release the connection/session (a session passed in by the caller is left running)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_columns(path: str | Path, found: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    """The wanted columns (all found ones when None); EngineError naming what is missing."""
    found = [c.lstrip("\ufeff") for c in found]
    if wanted is None:
        return found
    missing = [c for c in wanted if c not in found]
    if missing:
        raise EngineError(f"{path} needs the columns {','.join(wanted)} (missing: {','.join(missing)})")
    return list(wanted)


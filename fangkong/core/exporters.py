"""The exporter base (after pretix's ``ListExporter``): headers plus a ``rows()`` generator,
written streaming to XLSX or CSV.

XLSX is written by rust_xlsxwriter (through the ``rvgsrust-xlsxwriter`` binding) in its
constant-memory mode: each finished row goes to a temp file and is freed, so a district-wide
table of a million bookings takes as much memory as a committee's. It replaced XlsxWriter
here because XlsxWriter spends ~6 µs of Python per cell, ~100 s for the district's 17
million cells; the Rust writer needs about a fifth of that (benchmarks/xlsx_writers.py
compares them; figures in benchmarks/README.md).

What every export gets from here, whatever its rows:

* text stays text: columns named in ``text_columns`` (ID numbers, phones, booking numbers)
  are written as strings even when a row yields a number, so leading zeros survive and
  Excel never turns an 18-digit ID into ``3.10115E+17``; other ints and floats are numbers;
* formula injection is defused: a text cell starting with ``= + - @``, tab or CR gets a
  leading apostrophe (OWASP's advice), in XLSX and CSV alike;
* a watermark: who exported, when, and which scope, in the workbook properties
  (title/author/comments) and as a footer row "导出人 … 导出时间 … 范围 …";
* memory stays flat: rows are pulled from ``rows()`` and handed to the writer a chunk
  at a time.

Masking and auditing are the subclass's and the caller's business (``masked`` is passed in;
``fangkong/booking/exports.py`` audits), because only they know what is personal.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from rvgsrust_xlsxwriter import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 5000
# Rows handed to the Rust writer per call: big enough to amortise the call, small enough
# that the chunk's Python objects stay a few hundred kB. PROGRESS_EVERY is a multiple of it.
XLSX_CHUNK = 1000
# Excel refuses longer cells; XlsxWriter used to truncate them, rust_xlsxwriter raises.
MAX_CELL_CHARS = 32767


def escape_cell(value: str) -> str:
    """``=1+1`` → ``'=1+1``: a spreadsheet shows it as text instead of evaluating it."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_text(value: Any, tz: tzinfo | None = None) -> str:
    """A cell as text; aware datetimes in local time (``tz``, default the current one), to the minute."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # astimezone + isoformat: ~5x faster than localtime()+strftime, which mattered at
        # two timestamps per row of a million-row export.
        if value.tzinfo is not None:
            value = value.astimezone(tz or timezone.get_current_timezone()).replace(tzinfo=None)
        return value.isoformat(" ", "minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Watermark:
    exporter: str
    at: datetime
    scope: str

    @property
    def line(self) -> str:
        at = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M:%S")
        return f"导出人 {self.exporter} 导出时间 {at} 范围 {self.scope}"


class ListExporter:
    """Subclasses set ``headers``, ``sheet_name``, ``title`` and ``text_columns`` and yield rows."""

    headers: Sequence[str] = ()
    sheet_name: str = "导出"
    title: str = "导出"
    text_columns: frozenset[int] = frozenset()
    column_widths: Sequence[int] = ()

    def __init__(self, *, watermark: Watermark, masked: bool = True) -> None:
        self.watermark = watermark
        self.masked = masked
        self.rows_written = 0

    def rows(self) -> Iterator[Sequence[Any]]:
        raise NotImplementedError

    # --- XLSX -------------------------------------------------------------------------------

    def write_xlsx(self, target: str | os.PathLike[str] | IO[bytes], *, progress: Callable[[int], None] | None = None) -> int:
        """Write the workbook to a path or binary file; returns the number of data rows."""
        if isinstance(target, str | os.PathLike):
            return self._write_xlsx(os.fspath(target), progress)
        # The writer wants a path; a file object gets a copy of a temp file, still in constant memory.
        with tempfile.TemporaryDirectory(prefix="fk-export-") as tmp:
            path = Path(tmp) / "export.xlsx"
            rows = self._write_xlsx(str(path), progress)
            with path.open("rb") as fh:
                shutil.copyfileobj(fh, target)
        return rows

    def _write_xlsx(self, path: str, progress: Callable[[int], None] | None) -> int:
        workbook = Workbook(path)
        workbook.set_properties(
            title=self.title,
            author=self.watermark.exporter,
            subject=f"{self.sheet_name} · {self.watermark.scope}",
            keywords="已脱敏" if self.masked else "未脱敏",
            comments=self.watermark.line,
        )
        sheet = workbook.add_worksheet(self.sheet_name[:31], constant_memory=True)
        bold = workbook.add_format().set_bold().set_background_color("#EEF2F7").set_border("thin")
        for col, width in enumerate(self.column_widths):
            sheet.set_column_width(col, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(self.headers), bold)

        cell = self._cell_converter()
        prefixes, limit = FORMULA_PREFIXES, MAX_CELL_CHARS
        row_no = 0
        chunk: list[list[Any]] = []
        for row in self.rows():
            # The hot loop of a million-row export: ordinary text (most cells) is passed as is.
            chunk.append(
                [v if type(v) is str and not v.startswith(prefixes) and len(v) <= limit else cell(col, v) for col, v in enumerate(row)]
            )
            if len(chunk) == XLSX_CHUNK:
                sheet.write_rows(row_no + 1, 0, chunk)
                row_no += XLSX_CHUNK
                chunk = []
                if progress is not None and row_no % PROGRESS_EVERY == 0:
                    progress(row_no)
        if chunk:
            sheet.write_rows(row_no + 1, 0, chunk)
            row_no += len(chunk)
        self.rows_written = row_no
        sheet.write(row_no + 2, 0, self.watermark.line)
        workbook.close()
        if progress is not None:
            progress(row_no)
        return row_no

    def _cell_converter(self) -> Callable[[int, Any], Any]:
        """What a non-plain-text value becomes: numbers stay numbers outside ``text_columns``,
        everything else is escaped text (datetimes in local time)."""
        text_columns = self.text_columns
        tz = timezone.get_current_timezone()

        def cell(col: int, value: Any) -> Any:
            if value is None or value == "":
                return None
            kind = type(value)
            if (kind is int or kind is float) and col not in text_columns:
                return value
            text = value if kind is str else cell_text(value, tz)
            return escape_cell(text)[:MAX_CELL_CHARS]

        return cell

    # --- CSV --------------------------------------------------------------------------------

    def iter_csv(self) -> Iterator[str]:
        """CSV lines for a StreamingHttpResponse: UTF-8 with a BOM so Excel reads the Chinese."""

        class _Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(_Echo())
        tz = timezone.get_current_timezone()
        yield "\ufeff" + writer.writerow(list(self.headers))
        count = 0
        for row in self.rows():
            count += 1
            yield writer.writerow([escape_cell(cell_text(v, tz)) for v in row])
        self.rows_written = count
        yield writer.writerow([])
        yield writer.writerow([self.watermark.line])

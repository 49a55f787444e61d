"""The exporter base (after pretix's ``ListExporter``): headers plus a ``rows()`` generator,
written streaming to XLSX (XlsxWriter in constant-memory mode) or CSV.

What every export gets from here, whatever its rows:

* text stays text: columns named in ``text_columns`` (ID numbers, phones, booking numbers)
  are written with ``write_string``, so leading zeros survive and Excel never turns an
  18-digit ID into ``3.10115E+17``;
* formula injection is defused: a text cell starting with ``= + - @``, tab or CR gets a
  leading apostrophe (OWASP's advice), in XLSX and CSV alike;
* a watermark: who exported, when, and which scope, in the workbook properties
  (title/author/comments) and as a footer row "导出人 … 导出时间 … 范围 …";
* memory stays flat: rows are pulled one at a time and XlsxWriter flushes each row to disk.

Masking and auditing are the subclass's and the caller's business (``masked`` is passed in;
``fangkong/booking/exports.py`` audits), because only they know what is personal.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 5000


def escape_cell(value: str) -> str:
    """``=1+1`` → ``'=1+1``: a spreadsheet shows it as text instead of evaluating it."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value.strftime("%Y-%m-%d %H:%M")
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

    def write_xlsx(self, target: str | IO[bytes], *, progress: Callable[[int], None] | None = None) -> int:
        """Write the workbook to a path or binary file; returns the number of data rows."""
        workbook = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        workbook.set_properties(
            {
                "title": self.title,
                "subject": self.sheet_name,
                "author": self.watermark.exporter,
                "company": self.watermark.scope,
                "comments": self.watermark.line,
                "keywords": "已脱敏" if self.masked else "未脱敏",
                "created": timezone.localtime(self.watermark.at).replace(tzinfo=None),
            }
        )
        sheet = workbook.add_worksheet(self.sheet_name[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        for col, width in enumerate(self.column_widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        for col, header in enumerate(self.headers):
            sheet.write_string(0, col, header, bold)

        write_string, write_number = sheet.write_string, sheet.write_number
        text_columns = self.text_columns
        row_no = 0
        # The hot loop of a million-row export: plain strings (most cells) take the short path.
        for row_no, row in enumerate(self.rows(), start=1):  # noqa: B007 (used after the loop)
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                kind = type(value)
                if kind is str:
                    write_string(row_no, col, "'" + value if value.startswith(FORMULA_PREFIXES) else value)
                elif (kind is int or kind is float) and col not in text_columns:
                    write_number(row_no, col, value)
                else:
                    write_string(row_no, col, escape_cell(cell_text(value)))
            if progress is not None and row_no % PROGRESS_EVERY == 0:
                progress(row_no)
        self.rows_written = row_no
        sheet.write_string(row_no + 2, 0, self.watermark.line)
        workbook.close()
        if progress is not None:
            progress(row_no)
        return row_no

    # --- CSV --------------------------------------------------------------------------------

    def iter_csv(self) -> Iterator[str]:
        """CSV lines for a StreamingHttpResponse: UTF-8 with a BOM so Excel reads the Chinese."""

        class _Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(list(self.headers))
        count = 0
        for row in self.rows():
            count += 1
            yield writer.writerow([escape_cell(cell_text(v)) for v in row])
        self.rows_written = count
        yield writer.writerow([])
        yield writer.writerow([self.watermark.line])

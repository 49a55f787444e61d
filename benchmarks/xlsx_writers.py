"""Benchmark: XLSX writers on the same rows, no database (why exports use rust_xlsxwriter).

    .venv/bin/python benchmarks/xlsx_writers.py [--rows 100000] [candidate ...]

Every candidate writes the same N rows × 17 ready-made strings shaped like the 全表 export
(masked IDs and phones, Chinese addresses, one escaped formula in ten rows), frozen header,
in a fresh subprocess; it prints wall time, CPU time (the figure to compare on a shared
machine), peak RSS (VmHWM) and file size. Candidates:

* ``xlsxwriter``   — XlsxWriter, constant_memory, ``write_string`` per cell (the exporter
  before issue 3's speed-up);
* ``xlsxwriter_row`` — XlsxWriter, ``write_row`` per row;
* ``rvgs``         — rust_xlsxwriter through ``rvgsrust-xlsxwriter``, constant memory,
  ``write_rows`` per 1,000 rows (what ``ListExporter`` does);
* ``exporter``     — ``fangkong.core.exporters.ListExporter.write_xlsx`` itself: rvgs plus
  the escaping, watermark and properties;
* ``rustpy``       — ``rustpy-xlsxwriter`` (rust_xlsxwriter too, dict records; no document
  properties, so it cannot carry the watermark) — only if installed;
* ``pyexcelerate`` — PyExcelerate (holds the sheet in memory: not constant memory) — only
  if installed.

The two optional ones are no project dependencies; to include them without touching the
virtualenv: ``pip install --target /tmp/xlsx-cands rustpy-xlsxwriter pyexcelerate`` and run
with ``PYTHONPATH=/tmp/xlsx-cands``.

Not a test; figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADERS = ["序号", "预约编号", "姓名", "证件类型", "证件号码", "手机号", "地址", "小区", "居委会", "街镇",
           "家庭人数", "数量", "状态", "登记时间", "审核人", "审核时间", "原因"]
CANDIDATES = ("xlsxwriter", "xlsxwriter_row", "rvgs", "exporter", "rustpy", "pyexcelerate")
OPTIONAL = {"rustpy": "rustpy_xlsxwriter", "pyexcelerate": "pyexcelerate"}


def rows(n: int) -> Iterator[list[str]]:
    for i in range(n):
        yield [
            str(i + 1), f"B001{i:09d}", "王*明", "居民身份证", f"310115********{i % 10000:04d}", f"138****{i % 10000:04d}",
            f"航亭环路{i % 2000}弄{i % 30}号{i % 1500 + 101}室", "齐河第二社区小区", "齐河第二社区", "塘桥街道",
            str(1 + i % 5), "5", "已通知", "2026-11-25 10:11", "齐河社工", "2026-11-25 12:00",
            "其他：'=电话核实" if i % 10 == 3 else "",
        ]


def write_xlsxwriter(path: str, n: int, per_row: bool) -> None:
    import xlsxwriter

    options = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(path, options)
    sheet = workbook.add_worksheet("全表")
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, HEADERS)
    write_string = sheet.write_string
    for r, row in enumerate(rows(n), start=1):
        if per_row:
            sheet.write_row(r, 0, row)
            continue
        for c, value in enumerate(row):
            if value:
                write_string(r, c, value)
    workbook.close()


def write_rvgs(path: str, n: int) -> None:
    from rvgsrust_xlsxwriter import Workbook

    workbook = Workbook(path)
    sheet = workbook.add_worksheet("全表", constant_memory=True)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, HEADERS)
    chunk: list[list[str]] = []
    start = 1
    for row in rows(n):
        chunk.append(row)
        if len(chunk) == 1000:
            sheet.write_rows(start, 0, chunk)
            start += len(chunk)
            chunk = []
    if chunk:
        sheet.write_rows(start, 0, chunk)
    workbook.close()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def write_exporter(path: str, n: int) -> None:
    from django.utils import timezone

    from fangkong.core.exporters import ListExporter, Watermark

    class Synthetic(ListExporter):
        headers = HEADERS
        sheet_name = "全表"
        text_columns = frozenset({1, 4, 5})

        def rows(self) -> Iterator[list[str]]:
            return rows(n)

    Synthetic(watermark=Watermark(exporter="bench", at=timezone.now(), scope="浦东新区")).write_xlsx(path)


def write_rustpy(path: str, n: int) -> None:
    from rustpy_xlsxwriter import write_worksheet

    write_worksheet((dict(zip(HEADERS, row, strict=True)) for row in rows(n)), path, sheet_name="全表", freeze_row=1)


def write_pyexcelerate(path: str, n: int) -> None:
    from pyexcelerate import Workbook

    workbook = Workbook()
    workbook.new_sheet("全表", data=[HEADERS, *rows(n)])
    workbook.save(path)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(candidate: str, n: int) -> None:
    writers = {
        "xlsxwriter": lambda p: write_xlsxwriter(p, n, per_row=False),
        "xlsxwriter_row": lambda p: write_xlsxwriter(p, n, per_row=True),
        "rvgs": lambda p: write_rvgs(p, n),
        "exporter": lambda p: write_exporter(p, n),
        "rustpy": lambda p: write_rustpy(p, n),
        "pyexcelerate": lambda p: write_pyexcelerate(p, n),
    }
    if candidate == "exporter":
        setup_django()  # start-up is not the writer's time
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.xlsx")
        wall, cpu = time.perf_counter(), time.process_time()
        writers[candidate](path)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = Path(path).stat().st_size
    print(json.dumps({"candidate": candidate, "seconds": round(wall, 2), "cpu_s": round(cpu, 2),
                      "peak_rss_mb": round(peak_rss_mb(), 1), "file_mb": round(size / 2**20, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", choices=CANDIDATES)
    parser.add_argument("candidates", nargs="*", help=f"any of {', '.join(CANDIDATES)} (default: all)")
    args = parser.parse_args()
    if unknown := set(args.candidates) - set(CANDIDATES):
        parser.error(f"unknown candidates: {', '.join(sorted(unknown))}")
    if args.child:
        child(args.child, args.rows)
        return
    print(f"{args.rows:,} rows × 17 strings; load average {os.getloadavg()[0]:.1f}")
    results = []
    for candidate in args.candidates or CANDIDATES:
        if candidate in OPTIONAL:
            try:
                __import__(OPTIONAL[candidate])
            except ImportError:
                print(f"{candidate:15} skipped (not installed)")
                continue
        out = subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--child", candidate],
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{candidate:15} {r['seconds']:7.2f} s wall, {r['cpu_s']:6.2f} s CPU, peak RSS {r['peak_rss_mb']:5.0f} MB, "
              f"file {r['file_mb']} MB", flush=True)
    base = next((r for r in results if r["candidate"] == "xlsxwriter"), None)
    if base:
        print("CPU time relative to XlsxWriter: " + ", ".join(f"{r['candidate']} {r['cpu_s'] / base['cpu_s']:.2f}" for r in results))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""``manage.py import_addresses [PATH] [--towns T04,T01] [--batch-size 5000] [--errors PATH.csv]``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.addresses.services import (
    ADDRESS_COLUMNS,
    DEMO_FILE,
    AddressImportError,
    ImportProgress,
    address_import_csv,
)

PROGRESS_EVERY_SECONDS = 2.0
ERRORS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Import standard addresses (rooms) from a .csv or .csv.gz with columns "
        f"{','.join(ADDRESS_COLUMNS)}. Re-importing updates changed rows. Default: the demo subset."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", nargs="?", default=str(DEMO_FILE))
        parser.add_argument("--towns", default="", help="只导入这些街镇代码，逗号分隔，如 T04,T01")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--errors", default="", help="把有问题的行写入这个 CSV（行号、地址编码、原因）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"找不到文件 {path}")
        towns = [code.strip() for code in options["towns"].split(",") if code.strip()]
        last_shown = [0.0]

        def show(p: ImportProgress) -> None:
            now = time.monotonic()
            if now - last_shown[0] >= PROGRESS_EVERY_SECONDS:
                last_shown[0] = now
                self.stderr.write(
                    f"已读取 {p.rows_read:,} 行，写入 {p.imported:,} 行，错误 {p.errors:,} 行，"
                    f"{p.rows_per_second:,.0f} 行/秒"
                )

        try:
            report = address_import_csv(
                path=path,
                towns=towns or None,
                batch_size=options["batch_size"],
                errors_path=Path(options["errors"]) if options["errors"] else None,
                progress=show,
            )
        except AddressImportError as exc:
            raise CommandError(str(exc)) from exc
        for error in report.errors[:ERRORS_SHOWN]:
            self.stderr.write(f"第{error.line}行 {error.address_id}：{error.reason}")
        if report.error_count > ERRORS_SHOWN:
            where = (
                f"，全部见 {options['errors']}"
                if options["errors"]
                else "（用 --errors 文件.csv 输出全部）"
            )
            self.stderr.write(f"……共 {report.error_count:,} 行有问题{where}")
        self.stdout.write(
            f"读取 {report.rows_read:,} 行，导入 {report.imported:,} 行（新增 {report.created:,}），"
            f"其他街镇跳过 {report.skipped_other_towns:,} 行，错误 {report.error_count:,} 行；"
            f"新建小区 {report.compounds_created:,} 个；用时 {report.seconds:.1f} 秒"
            f"（{report.rows_per_second:,.0f} 行/秒）"
        )

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from fangkong.orgs.services import ORG_COLUMNS, org_import_csv

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "pudong_divisions.csv"


class Command(BaseCommand):
    help = f"Import a district's towns and committees from a CSV with columns {','.join(ORG_COLUMNS)}."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("csv", nargs="?", default=str(DEFAULT_FILE))
        parser.add_argument("--district-code", default="310115")
        parser.add_argument("--district-name", default="浦东新区")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["csv"])
        if not path.exists():
            raise CommandError(f"找不到文件 {path}")
        report = org_import_csv(
            district_code=options["district_code"], district_name=options["district_name"], path=path
        )
        for error in report.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"街镇：新增 {report.towns_created}，更新 {report.towns_updated}；"
            f"居村委：新增 {report.committees_created}，更新 {report.committees_updated}；"
            f"错误 {len(report.errors)} 行"
        )
        if report.errors and not (report.towns_created or report.committees_created or report.committees_updated):
            raise CommandError("导入失败")

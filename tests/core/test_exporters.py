"""The exporter base: text stays text, formulas are defused, every file carries its watermark."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
from django.utils import timezone

from fangkong.core.exporters import ListExporter, Watermark, escape_cell

AT = timezone.make_aware(datetime(2026, 11, 25, 9, 30))


class PeopleExporter(ListExporter):
    headers = ("序号", "姓名", "证件号码", "手机号", "备注")
    sheet_name = "名单"
    title = "测试名单"
    text_columns = frozenset({2, 3})

    def __init__(self, rows: list[tuple], **kwargs) -> None:  # type: ignore[no-untyped-def, type-arg]
        super().__init__(**kwargs)
        self._rows = rows

    def rows(self):  # type: ignore[no-untyped-def]
        yield from self._rows


ROWS = [
    (1, "王小明", "0012345678", "01012345678", "=HYPERLINK(\"http://evil\",\"点我\")"),
    (2, "李四", "310115198501010014", "13812345678", "+1"),
    (3, "张三", "H01234567", "13900000000", "-2+3"),
    (4, "赵六", "310115198501010022", "13700000000", "@SUM(A1)"),
    (5, "钱七", "310115198501010030", "13600000000", "\tcmd"),
]


def workbook(rows: list[tuple] = ROWS):  # type: ignore[no-untyped-def, type-arg]
    exporter = PeopleExporter(rows, watermark=Watermark(exporter="周社工（qihe2）", at=AT, scope="齐河第二社区"))
    buffer = io.BytesIO()
    assert exporter.write_xlsx(buffer) == len(rows)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_sheet_has_a_chinese_name_and_chinese_headers() -> None:
    wb = workbook()
    assert wb.sheetnames == ["名单"]
    assert [c.value for c in wb["名单"][1]] == ["序号", "姓名", "证件号码", "手机号", "备注"]


def test_header_row_is_frozen() -> None:
    assert workbook()["名单"].freeze_panes == "A2"


def test_ids_and_phones_are_text_with_their_leading_zeros() -> None:
    sheet = workbook()["名单"]
    assert sheet["C2"].value == "0012345678" and sheet["C2"].data_type == "s"
    assert sheet["D2"].value == "01012345678" and sheet["D2"].data_type == "s"
    assert sheet["C3"].value == "310115198501010014"
    assert sheet["A2"].value == 1  # the running number stays a number


def test_formula_injection_is_escaped() -> None:
    sheet = workbook()["名单"]
    assert [sheet[f"E{r}"].value for r in range(2, 7)] == [
        "'=HYPERLINK(\"http://evil\",\"点我\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tcmd",
    ]
    assert all(sheet[f"E{r}"].data_type == "s" for r in range(2, 7))


def test_escape_leaves_ordinary_text_alone() -> None:
    assert escape_cell("齐河路 1-302") == "齐河路 1-302"
    assert escape_cell("") == ""


def test_watermark_in_properties_and_footer_row() -> None:
    wb = workbook()
    assert wb.properties.title == "测试名单"
    assert wb.properties.creator == "周社工（qihe2）"
    assert wb.properties.description == "导出人 周社工（qihe2） 导出时间 2026-11-25 09:30:00 范围 齐河第二社区"
    sheet = wb["名单"]
    assert sheet.cell(row=len(ROWS) + 3, column=1).value == "导出人 周社工（qihe2） 导出时间 2026-11-25 09:30:00 范围 齐河第二社区"


def test_csv_has_a_bom_escapes_formulas_and_ends_with_the_watermark() -> None:
    exporter = PeopleExporter(ROWS, watermark=Watermark(exporter="qihe2", at=AT, scope="齐河第二社区"))
    text = "".join(exporter.iter_csv())
    assert text.startswith("\ufeff序号,姓名,证件号码,手机号,备注\r\n")
    assert "1,王小明,0012345678,01012345678,\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"\r\n" in text
    assert text.rstrip().endswith("导出人 qihe2 导出时间 2026-11-25 09:30:00 范围 齐河第二社区")
    assert exporter.rows_written == len(ROWS)


def test_numbers_in_text_columns_are_written_as_text() -> None:
    sheet = workbook([(1, "王小明", 310115198501010014, 13812345678, "")])["名单"]
    assert sheet["C2"].value == "310115198501010014" and sheet["C2"].data_type == "s"
    assert sheet["D2"].value == "13812345678" and sheet["D2"].data_type == "s"


def test_times_are_local_text_to_the_minute() -> None:
    utc_noon = datetime(2026, 11, 25, 4, 0, 59, tzinfo=UTC)
    sheet = workbook([(1, "王小明", "0012345678", "13812345678", utc_noon)])["名单"]
    assert sheet["E2"].value == "2026-11-25 12:00"  # Asia/Shanghai


def test_empty_cells_stay_empty() -> None:
    sheet = workbook([(1, "王小明", "", None, "")])["名单"]
    assert [sheet[f"{c}2"].value for c in "CDE"] == [None, None, None]


def test_overlong_text_is_cut_to_what_excel_accepts() -> None:
    sheet = workbook([(1, "王小明", "0012345678", "13812345678", "长" * 40000), (2, "李四", "", "", "=" * 32767)])["名单"]
    assert sheet["E2"].value == "长" * 32767
    assert sheet["E3"].value == "'" + "=" * 32766


def test_rows_across_write_chunks_all_arrive_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [(n, f"居民{n}", f"{n:018d}", f"138{n:08d}", "=1" if n % 1000 == 0 else "") for n in range(1, 2346)]
    exporter = PeopleExporter(rows, watermark=Watermark(exporter="qihe2", at=AT, scope="齐河第二社区"))
    path = tmp_path / "名单.xlsx"
    assert exporter.write_xlsx(str(path)) == 2345 == exporter.rows_written
    sheet = openpyxl.load_workbook(path, read_only=True)["名单"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [v[0] for v in values[:2345]] == list(range(1, 2346))
    assert values[999][2] == "000000000000001000" and values[999][4] == "'=1"
    assert values[2346][0].startswith("导出人 qihe2")


def test_progress_is_reported_every_5000_rows_and_at_the_end() -> None:
    rows = [(n, "王小明", "0012345678", "13812345678", "") for n in range(1, 12001)]
    exporter = PeopleExporter(rows, watermark=Watermark(exporter="qihe2", at=AT, scope="齐河第二社区"))
    seen: list[int] = []
    exporter.write_xlsx(io.BytesIO(), progress=seen.append)
    assert seen == [5000, 10000, 12000]


def test_properties_say_whether_the_file_is_masked() -> None:
    assert workbook().properties.keywords == "已脱敏"

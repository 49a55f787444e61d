"""Loading another district's org CSV: idempotent, with a per-line error report."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import scope_of
from fangkong.orgs.services import org_import_csv

pytestmark = pytest.mark.django_db


def write(tmp_path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "orgs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_towns_and_committees_and_is_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "town_code,town,committee_code,committee,committee_kind\nX01,甲街道,X01C001,甲一村,村委会\nX01,甲街道,X01C002,甲二居,居委会\n")
    first = org_import_csv(district_code="999", district_name="测试区", path=path)
    again = org_import_csv(district_code="999", district_name="测试区", path=path)
    assert (first.towns_created, first.committees_created) == (1, 2)
    assert (again.towns_created, again.committees_created, again.committees_updated) == (0, 0, 0)
    assert Committee.objects.get(code="X01C001").kind == "村委会"


def test_renamed_committee_is_updated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    org_import_csv(district_code="999", district_name="测试区", path=write(tmp_path, "town_code,town,committee_code,committee\nX01,甲街道,X01C001,甲一村\n"))
    report = org_import_csv(district_code="999", district_name="测试区", path=write(tmp_path, "town_code,town,committee_code,committee\nX01,甲街道,X01C001,甲一新村\n"))
    assert report.committees_updated == 1 and Committee.objects.get(code="X01C001").name == "甲一新村"


def test_bad_rows_are_reported_by_line_and_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "town_code,town,committee_code,committee,committee_kind\nX01,甲街道,,甲一村,\nX01,甲街道,X01C002,甲二居,社区\nX01,甲街道,X01C003,甲三居,\n")
    report = org_import_csv(district_code="999", district_name="测试区", path=path)
    assert report.errors == ["第2行：缺少 committee_code", "第3行：居村委类型“社区”无效，应为 居委会 或 村委会"]
    assert list(Committee.objects.filter(district__code="999").values_list("code", flat=True)) == ["X01C003"]


def test_missing_columns_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = org_import_csv(district_code="999", district_name="测试区", path=write(tmp_path, "a,b\n1,2\n"))
    assert "缺少列" in report.errors[0]


def test_vendored_pudong_file_has_36_towns_and_1301_committees(pudong) -> None:  # type: ignore[no-untyped-def]
    call_command("import_orgs")
    assert Town.objects.filter(district=pudong).count() == 36
    assert Committee.objects.filter(district=pudong).count() == 1301
    assert District.objects.count() == 1


def test_scope_follows_role(worker, town_officer, district_officer, clerk) -> None:  # type: ignore[no-untyped-def]
    assert scope_of(worker).level == "committee"
    assert scope_of(town_officer).level == "town"
    assert scope_of(district_officer).level == "district"
    assert scope_of(clerk).is_none

"""A run's stage is stored as the pipeline's Chinese name and shown in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from fangkong.screening.models import RunStatus, ScreeningRun
from fangkong.screening.stages import STAGE_LABELS, stage_label

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _chinese_afterwards():  # type: ignore[no-untyped-def]
    yield
    translation.deactivate()


def test_every_stage_the_pipeline_and_the_run_report_has_a_label() -> None:
    pipeline = re.findall(r'step\("([^"]+)"', (ROOT / "fangkong/pipeline/screening/run.py").read_text(encoding="utf-8"))
    run = re.findall(r'stage="([^"]+)"', (ROOT / "fangkong/screening/services_run.py").read_text(encoding="utf-8"))
    assert len(pipeline) >= 8 and run == ["准备", "导入工单", "完成"]
    assert set(pipeline) | set(run) <= set(STAGE_LABELS)


def test_stages_read_in_english_and_in_chinese() -> None:
    with translation.override("en"):
        assert [str(stage_label(s)) for s in ("准备", "匹配地址", "导入工单", "完成")] == [
            "Preparing", "Matching addresses", "Importing the work orders", "Done"]
        assert all(not re.search(r"[\u4e00-\u9fff]", str(stage_label(s))) for s in STAGE_LABELS)
    with translation.override("zh-hans"):
        assert str(stage_label("匹配地址")) == "匹配地址"


def test_an_unknown_stage_is_shown_as_stored() -> None:
    with translation.override("en"):
        assert stage_label("新步骤") == "新步骤"


@pytest.fixture
def running(district_officer):  # type: ignore[no-untyped-def]
    from datetime import date

    return ScreeningRun.objects.create(district_id=district_officer.district_id, as_of=date(2020, 2, 22),
                                       created_by=district_officer, status=RunStatus.RUNNING, stage="匹配地址",
                                       progress=0.35)


@pytest.mark.django_db
def test_the_run_page_and_list_show_the_stage_in_english(client, district_officer, running) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    detail = client.get(f"/screening/runs/{running.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    listing = client.get("/screening/runs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for page in (detail, listing):
        assert "Matching addresses" in page and "匹配地址" not in page
    assert ScreeningRun.objects.get().stage == "匹配地址"  # stored as the key


@pytest.mark.django_db
def test_the_run_page_shows_the_stage_in_chinese_by_default(client, district_officer, running) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    assert "匹配地址" in client.get(f"/screening/runs/{running.pk}/").content.decode()
    assert "匹配地址" in client.get("/screening/runs/").content.decode()

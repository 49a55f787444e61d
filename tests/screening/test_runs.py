"""The district's upload page and the background run: files saved, job queued, the pipeline's
ORDERS.csv imported, the funnel and quality report shown; failures recorded, not raised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from fangkong.screening.models import RunStatus, ScreeningRun, WorkOrder
from fangkong.screening.services_run import run_execute
from fangkong.screening.tasks import screening_run

from .conftest import order_row, write_orders

pytestmark = pytest.mark.django_db
QUALITY = {
    "sources": {"checkpoint": {"rows": 120, "kept": 118, "problems": {
        "id_checksum": {"count": 2, "examples": [{"record_id": "checkpoint:7", "field": "证件号码",
                                                  "value": "42010619800101123", "message": "身份证校验位错误"}]}}}},
    "transfers": 1,
    "funnel": {"records": 120, "people": 100, "key_people": 12, "orders": 2, "by_type": {"home_check": 2}},
}


def csv_file(name: str, text: str = "a,b\n1,2\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), "text/csv")


@pytest.fixture
def standard(settings, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "standard.csv"
    path.write_text("address_id\n", encoding="utf-8")
    settings.SCREENING_STANDARD_PATH = str(path)
    return path


def upload(client: Any, **extra: Any) -> Any:
    data = {"as_of": "2020-02-22", "sources": [csv_file("道口登记_0222.csv"), csv_file("healthcloud.csv")],
            "population": csv_file("population.csv"), "key_areas": csv_file("key_areas.csv"),
            "managed": csv_file("managed.csv")}
    data.update(extra)
    return client.post("/screening/runs/", data)


def test_the_district_uploads_a_day_and_the_run_is_queued(client, district_officer, standard):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    response = upload(client)
    run = ScreeningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/screening/runs/{run.pk}/"
    assert run.files["sources"] == ["checkpoint", "healthcloud"]
    assert Path(run.files["population"]).exists()
    assert DBTaskResult.objects.filter(task_path=screening_run.module_path, args_kwargs__args=[run.pk]).exists()


def test_an_upload_without_reference_files_is_refused_in_chinese(client, district_officer, standard):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    response = client.post("/screening/runs/", {"as_of": "2020-02-22", "sources": [csv_file("rail.csv")]})
    assert response.status_code == 422
    assert "请上传：人口库、重点地区、已管控名单。" in response.content.decode()
    assert not ScreeningRun.objects.exists()


def test_only_csv_files_are_accepted(client, district_officer, standard):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    response = upload(client, sources=[csv_file("rail.xlsx")])
    assert "不是 CSV 文件" in response.content.decode()


def test_towns_cannot_open_the_upload_page(client, town_officer):  # type: ignore[no-untyped-def]
    client.force_login(town_officer)
    assert client.get("/screening/runs/").status_code == 403


@pytest.fixture
def fake_pipeline(monkeypatch):  # type: ignore[no-untyped-def]
    """Stands in for fangkong.pipeline.screening.run_screening: writes what the contract says."""
    import fangkong.pipeline.screening as pipeline

    calls: list[Any] = []
    rows = [order_row(), order_row(committee_code="", town_code="T04")]  # the same day: the same order ids

    def run_screening(inputs: Any, *, engine: str = "duckdb", workers: int = 2, progress: Any = None) -> None:
        calls.append(inputs)
        progress("清洗", 0.5)
        write_orders(inputs.output, rows)
        inputs.output.with_suffix(".quality.json").write_text(json.dumps(QUALITY, ensure_ascii=False), encoding="utf-8")
        inputs.output.with_suffix(".transfers.csv").write_text(
            "id_number,name,phone,address_text,reason,source_record_ids\n310101199001011234,张三,13900000000,"
            "黄浦区南京东路1号,不在本区,checkpoint:3\n", encoding="utf-8")

    monkeypatch.setattr(pipeline, "run_screening", run_screening)
    return calls


def make_run(client: Any, district_officer: Any) -> ScreeningRun:
    client.force_login(district_officer)
    upload(client)
    return ScreeningRun.objects.get()


def test_the_run_imports_the_orders_and_shows_funnel_and_quality(client, district_officer, standard, fake_pipeline):  # type: ignore[no-untyped-def]
    run = make_run(client, district_officer)
    assert run_execute(run.pk) == "done"
    run.refresh_from_db()
    assert (run.status, run.progress, run.imported["created"]) == (RunStatus.DONE, 1.0, 2)
    assert fake_pipeline[0].as_of.isoformat() == "2020-02-22"
    assert fake_pipeline[0].sources_dir == Path(run.files["population"]).parent / "sources"
    assert WorkOrder.objects.filter(run=run).count() == 2
    page = client.get(f"/screening/runs/{run.pk}/").content.decode()
    assert "身份证校验位错误" in page and "重点人员" in page and "hx-get" not in page


def test_running_the_job_twice_does_the_work_once(client, district_officer, standard, fake_pipeline):  # type: ignore[no-untyped-def]
    run = make_run(client, district_officer)
    run_execute(run.pk)
    assert run_execute(run.pk) == "skipped"
    assert len(fake_pipeline) == 1


def test_a_second_run_of_the_same_day_creates_no_new_orders(client, district_officer, standard, fake_pipeline):  # type: ignore[no-untyped-def]
    first = make_run(client, district_officer)
    run_execute(first.pk)
    upload(client)
    second = ScreeningRun.objects.exclude(pk=first.pk).get()
    run_execute(second.pk)
    second.refresh_from_db()
    assert WorkOrder.objects.count() == 2
    assert (second.imported["created"], second.imported["unchanged"]) == (0, 2)


def test_a_failing_pipeline_marks_the_run_failed(client, district_officer, standard, monkeypatch):  # type: ignore[no-untyped-def]
    import fangkong.pipeline.screening as pipeline

    def broken(inputs: Any, **kw: Any) -> None:
        raise ValueError("人口库缺少 id_number 列")

    monkeypatch.setattr(pipeline, "run_screening", broken)
    run = make_run(client, district_officer)
    assert run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "id_number" in run.error
    assert "人口库缺少" in client.get(f"/screening/runs/{run.pk}/progress/").content.decode()


def test_the_progress_partial_polls_while_running(client, district_officer, standard):  # type: ignore[no-untyped-def]
    run = make_run(client, district_officer)
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=0.4, stage="地址匹配")
    page = client.get(f"/screening/runs/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in page and "40%" in page and "地址匹配" in page


@pytest.mark.parametrize("url", ["/screening/runs/{pk}/", "/screening/runs/{pk}/progress/",
                                 "/screening/runs/{pk}/transfers.csv"])
def test_runs_are_not_found_for_town_or_committee_staff(client, town_officer, worker, district_officer, standard,  # type: ignore[no-untyped-def]
                                                        url):
    run = make_run(client, district_officer)
    for user in (town_officer, worker):
        client.force_login(user)
        assert client.get(url.format(pk=run.pk)).status_code == 404


def test_the_run_page_lists_transfers_and_precision_per_rule(client, district_officer, standard, fake_pipeline):  # type: ignore[no-untyped-def]
    run = make_run(client, district_officer)
    run_execute(run.pk)
    WorkOrder.objects.filter(pk=WorkOrder.objects.order_by("pk").values_list("pk", flat=True)[0]).update(false_positive=True)
    page = client.get(f"/screening/runs/{run.pk}/").content.decode()
    assert "另有 1 人不在本区" in page
    assert "<td>R1 重点地区来沪</td><td>2</td><td>1</td><td>50%</td>" in page
    response = client.get(f"/screening/runs/{run.pk}/transfers.csv")
    assert b"".join(response.streaming_content).decode().count("张三") == 1

"""The district's upload through the real pipeline (DuckDB) into work orders: the constructed day
of tests/pipeline/screening/world.py, so the pipeline's ORDERS.csv and the Django import are
checked against each other, not against a stand-in."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.screening.models import RunStatus, ScreeningRun, WorkOrder
from fangkong.screening.services_run import run_execute
from tests.pipeline.screening import world

pytestmark = pytest.mark.django_db


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), "text/csv")


def test_a_real_run_imports_every_order_the_pipeline_wrote(client, district_officer, settings, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FANGKONG_CACHE_DIR", str(tmp_path / "cache"))
    day = world.build(tmp_path / "day")
    settings.SCREENING_STANDARD_PATH = str(day["standard"])
    client.force_login(district_officer)
    response = client.post("/screening/runs/", {
        "as_of": world.AS_OF.isoformat(),
        "sources": [_upload(p) for p in sorted(Path(day["sources"]).glob("*.csv"))],
        "population": _upload(day["population"]), "key_areas": _upload(day["key_areas"]),
        "managed": _upload(day["managed"]),
    })
    assert response.status_code == 302
    run = ScreeningRun.objects.get()

    assert run_execute(run.pk) == "done"

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    with (Path(run.files["population"]).parent / "ORDERS.csv").open(encoding="utf-8") as fh:
        written = {r["order_id"]: r for r in csv.DictReader(fh)}
    orders = {o.order_id: o for o in WorkOrder.objects.filter(run=run).select_related("committee")}
    assert written and set(orders) == set(written)
    for order_id, row in written.items():
        order = orders[order_id]
        assert order.order_type == row["order_type"]
        assert (order.committee.code if order.committee else "") == row["committee_code"]
    assert {o.priority for o in orders.values() if o.order_type == "symptom_check"} == {"urgent"}
    assert run.summary["orders"] == len(written)

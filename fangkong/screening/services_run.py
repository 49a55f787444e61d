"""Screening runs: the district uploads a day's exports, the worker runs the pipeline
(``fangkong.pipeline.screening.run_screening``) over them and imports its ORDERS.csv.

Files live under ``MEDIA_ROOT/screening/runs/<id>/``: ``sources/<name>.csv`` and the reference
files (uploaded, or the paths of ``SCREENING_REFERENCE_DIR`` / ``SCREENING_STANDARD_PATH``); the
pipeline writes ``ORDERS.csv`` with its ``.transfers.csv`` and ``.quality.json`` next to them.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.scoping import scope_of

from .models import RunStatus, ScreeningRun, run_dir
from .services_import import orders_import

logger = logging.getLogger("fangkong.screening")

SOURCE_NAMES = ("checkpoint", "rail", "healthcloud", "hotline")
REFERENCES = ("population", "key_areas", "managed")
UPLOAD_MAX_BYTES = 512 * 1024 * 1024
UPLOAD_TYPES = (".csv", ".gz")


def _root(run: ScreeningRun) -> Path:
    return Path(settings.MEDIA_ROOT) / run_dir(run.pk)


def _check_upload(f: UploadedFile, what: str) -> None:
    name = (f.name or "").lower()
    if not name.endswith(UPLOAD_TYPES):
        raise UserError(_("“%(name)s”不是 CSV 文件（%(what)s只接受 .csv 或 .csv.gz）。") % {"name": f.name, "what": what})
    if (f.size or 0) > UPLOAD_MAX_BYTES:
        raise UserError(_("“%(name)s”超过%(mb)sMB。") % {"name": f.name, "mb": UPLOAD_MAX_BYTES // (1024 * 1024)})


def _source_name(filename: str) -> str:
    """``道口登记_0222.csv`` → ``checkpoint``: the pipeline finds sources by file name."""
    stem = Path(filename).name.lower()
    aliases = {"checkpoint": ("checkpoint", "道口"), "rail": ("rail", "铁路"), "healthcloud": ("healthcloud", "健康云"),
               "hotline": ("hotline", "12345", "热线")}
    for name, keys in aliases.items():
        if any(k in stem for k in keys):
            return name
    return re.sub(r"[^a-z0-9_]+", "_", Path(stem).stem.split(".")[0]).strip("_") or "source"


def _save(f: UploadedFile, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        for chunk in f.chunks():
            out.write(chunk)


def _reference_path(name: str) -> str:
    folder = getattr(settings, "SCREENING_REFERENCE_DIR", "")
    if folder and (Path(folder) / f"{name}.csv").exists():
        return str(Path(folder) / f"{name}.csv")
    return ""


def run_create(*, actor: Any, as_of: date, sources: Sequence[UploadedFile],
               references: dict[str, UploadedFile | None]) -> ScreeningRun:
    """Save the uploads and queue the background run (the job commits with the row)."""
    from .tasks import screening_run

    scope = scope_of(actor)
    if scope.level != "district" or scope.district_id is None:
        raise UserError(_("只有区级工作人员可以上传筛查数据。"))
    if not sources:
        raise UserError(_("请至少上传一个数据源文件。"), field="sources")
    for f in [*sources, *(r for r in references.values() if r is not None)]:
        _check_upload(f, _("数据文件"))
    names = [_source_name(f.name or "") for f in sources]
    if len(set(names)) != len(names):
        raise UserError(_("同一数据源上传了多个文件：%(n)s。") % {"n": "、".join(sorted({n for n in names if names.count(n) > 1}))},
                        field="sources")
    missing = [n for n in REFERENCES if references.get(n) is None and not _reference_path(n)]
    if missing:
        labels = {"population": _("人口库"), "key_areas": _("重点地区"), "managed": _("已管控名单")}
        raise UserError(_("请上传：%(n)s。") % {"n": "、".join(str(labels[m]) for m in missing)}, field="population")
    standard = str(getattr(settings, "SCREENING_STANDARD_PATH", ""))
    if not standard or not Path(standard).exists():
        raise UserError(_("未配置标准地址库（SCREENING_STANDARD_PATH），无法筛查。"))
    with transaction.atomic():
        run = ScreeningRun.objects.create(district_id=scope.district_id, as_of=as_of, created_by=actor)
        root = _root(run)
        files: dict[str, Any] = {"sources": [], "standard": standard}
        for f, name in zip(sources, names, strict=True):
            suffix = ".csv.gz" if (f.name or "").lower().endswith(".gz") else ".csv"
            _save(f, root / "sources" / f"{name}{suffix}")
            files["sources"].append(name)
        for name in REFERENCES:
            upload = references.get(name)
            if upload is not None:
                _save(upload, root / f"{name}.csv")
                files[name] = str(root / f"{name}.csv")
            else:
                files[name] = _reference_path(name)
        run.files = files
        run.save(update_fields=["files"])
        audit_log(actor=actor, action="screening.run_create", object_type="screening_run", object_id=run.pk,
                  district_id=run.district_id, detail={"as_of": as_of.isoformat(), "sources": files["sources"]})
        screening_run.enqueue(run.pk)
    return run


def _progress(run_id: int) -> Any:
    last = [0.0]

    def report(stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1:
            return  # a row update twice a second is plenty for the progress bar
        last[0] = now
        ScreeningRun.objects.filter(pk=run_id).update(stage=str(stage)[:64], progress=max(0.0, min(0.95, fraction * 0.95)))

    return report


def run_execute(run_id: int) -> str:
    """The body of the background job: claim, run the pipeline, import; idempotent."""
    claimed = ScreeningRun.objects.filter(pk=run_id, status=RunStatus.PENDING).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), stage="准备")
    if not claimed:
        return "skipped"
    run = ScreeningRun.objects.select_related("district", "created_by").get(pk=run_id)
    root = _root(run)
    output = root / "ORDERS.csv"
    try:
        from fangkong.pipeline.screening import ScreeningInputs, run_screening

        inputs = ScreeningInputs(
            sources_dir=root / "sources", population=Path(run.files["population"]),
            standard=Path(run.files["standard"]), key_areas=Path(run.files["key_areas"]),
            managed=Path(run.files["managed"]), as_of=run.as_of, output=output,
        )
        run_screening(inputs, engine=getattr(settings, "SCREENING_ENGINE", "duckdb"), progress=_progress(run_id))
        ScreeningRun.objects.filter(pk=run_id).update(stage="导入工单", progress=0.96)
        result = orders_import(path=output, district=run.district, run=run, actor=run.created_by)
    except Exception as exc:
        logger.exception("screening run=%s failed", run_id)
        ScreeningRun.objects.filter(pk=run_id).update(status=RunStatus.FAILED, error=str(exc)[:2000],
                                                      finished_at=timezone.now())
        return "failed"
    quality = _read_json(output.with_suffix(".quality.json"))
    ScreeningRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE, progress=1.0, stage="完成", orders_path=str(output), quality=quality,
        summary=quality.get("funnel", {}), imported=result.as_dict(), finished_at=timezone.now())
    logger.info("screening run=%s created=%s updated=%s", run_id, result.created, result.updated)
    return "done"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def transfers_path(run: ScreeningRun) -> Path | None:
    """``<stem>.transfers.csv`` next to the run's ORDERS.csv, if the pipeline wrote one."""
    if not run.orders_path:
        return None
    path = Path(run.orders_path).with_suffix(".transfers.csv")
    return path if path.is_file() else None

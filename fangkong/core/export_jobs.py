"""Running a large export as a background job (``ExportJob``), for any domain.

A domain's task reloads what it needs from the job's ``params`` (checked again against the
owner's current scope) and hands ``run_export_job`` a function that builds its ``ListExporter``.
This module does the rest: only the run that moves the job from pending to running does the work
(running the task twice is harmless), the file goes under ``MEDIA_ROOT/exports``, progress is
recorded on the row the progress page (``desk:export_job``) polls, and a failure is recorded, not
raised. The worker deletes files after ``EXPORT_KEEP_HOURS``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from .exporters import ListExporter
from .models import ExportJob, ExportStatus

logger = logging.getLogger("fangkong.exports")


def exports_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_export_job(job_id: int, build: Callable[[ExportJob, Any], ListExporter]) -> str:
    """``build(job, owner)`` returns the exporter (raise to fail the job); "done", "failed" or
    "skipped" (another run has it)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.get(pk=job_id)
    fmt = job.params.get("format", "xlsx")
    try:
        exporter = build(job, get_user_model().objects.get(pk=job.owner_id))
        path = exports_dir() / f"{job.pk}-{uuid.uuid4().hex}.{fmt}"

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job_id).update(progress=rows)

        if fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as fh:
                for n, line in enumerate(exporter.iter_csv()):
                    fh.write(line)
                    if n and n % 5000 == 0:
                        progress(n)
            rows = exporter.rows_written
        else:
            rows = exporter.write_xlsx(str(path), progress=progress)
    except Exception as exc:
        logger.exception("export job=%s failed", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        return "failed"
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE, progress=rows, total=rows, file_path=str(path), finished_at=timezone.now()
    )
    logger.info("export job=%s kind=%s rows=%s file=%s", job_id, job.kind, rows, path.name)
    return "done"

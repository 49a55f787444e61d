"""Background jobs of the booking domain: large exports (see ``exports.export_request``).

The task takes the job's id, reloads everything (the user, the round, the scope, checked again
against the user's current scope), writes the file under ``MEDIA_ROOT/exports`` and records
progress on the ``ExportJob`` row the progress page polls. Running it twice is harmless: only
the run that moves the job from pending to running does the work.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from fangkong.core.models import ExportJob, ExportStatus

from .models import Round

logger = logging.getLogger("fangkong.exports")


def exports_dir():  # type: ignore[no-untyped-def]
    path = settings.MEDIA_ROOT / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@task(queue_name="default")
def export_run(job_id: int) -> str:
    from .exports import build_exporter, export_scope

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING)
    if not claimed:
        return "skipped"
    job = ExportJob.objects.get(pk=job_id)
    params = job.params
    try:
        user = get_user_model().objects.get(pk=job.owner_id)
        round_ = Round.objects.visible_to(user).get(pk=params["round"])
        scope = export_scope(user, committee_id=params.get("committee"), town_id=params.get("town"))
        if scope is None:
            raise PermissionError("导出范围已不在该用户的权限内")
        exporter = build_exporter(
            user=user, round_=round_, kind=params["kind"], scope=scope, at=datetime.fromisoformat(params["at"])
        )
        path = exports_dir() / f"{job.pk}-{uuid.uuid4().hex}.{params.get('format', 'xlsx')}"

        def progress(rows: int) -> None:
            ExportJob.objects.filter(pk=job_id).update(progress=rows)

        if params.get("format") == "csv":
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
    logger.info("export job=%s rows=%s file=%s", job_id, rows, path.name)
    return "done"

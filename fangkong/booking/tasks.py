"""Background jobs of the booking domain: large exports (see ``exports.export_request``).

The task takes the job's id and reloads everything (the user, the round, the scope, checked
again against the user's current scope); ``fangkong.core.export_jobs`` claims the job, writes the
file under ``MEDIA_ROOT/exports`` and records progress on the ``ExportJob`` row the progress page
polls. Running it twice is harmless: only the run that moves the job from pending to running
does the work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django_tasks import task

from fangkong.core.export_jobs import exports_dir, run_export_job
from fangkong.core.exporters import ListExporter
from fangkong.core.models import ExportJob

from .models import Round

__all__ = ["export_run", "exports_dir"]


def _round_exporter(job: ExportJob, user: Any) -> ListExporter:
    from .exports import build_exporter, export_scope

    params = job.params
    round_ = Round.objects.visible_to(user).get(pk=params["round"])
    scope = export_scope(user, committee_id=params.get("committee"), town_id=params.get("town"))
    if scope is None:
        raise PermissionError("导出范围已不在该用户的权限内")
    return build_exporter(user=user, round_=round_, kind=params["kind"], scope=scope, at=datetime.fromisoformat(params["at"]))


@task(queue_name="default")
def export_run(job_id: int) -> str:
    return run_export_job(job_id, _round_exporter)

"""Desk exports: the one-click buttons' endpoint, and the progress page of a background export."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.models import ExportJob, ExportStatus

from .desk_views import _round_or_404
from .exports import FORMATS, ExportKind, export_request, export_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name) or request.POST.get(name) or ""
    if not value:
        return None
    if not value.isdigit():
        raise Http404(_("没有找到该范围"))
    return int(value)


@login_required
@require_POST
def round_export(request: HttpRequest, round_id: int, kind: str) -> HttpResponseBase:
    """``?committee=<id>`` or ``?town=<id>`` narrow the scope; nothing means the user's own."""
    round_ = _round_or_404(request, round_id)
    if kind not in ExportKind.values:
        raise Http404(_("没有这种导出"))
    fmt = request.POST.get("format") or request.GET.get("format") or "xlsx"
    if fmt not in FORMATS:
        raise Http404(_("没有这种导出格式"))
    scope = export_scope(request.user, committee_id=_int_param(request, "committee"), town_id=_int_param(request, "town"))
    if scope is None:
        raise Http404(_("没有找到该范围"))
    plan = export_request(actor=request.user, round_=round_, kind=kind, scope=scope, fmt=fmt, request=request)
    if plan.job is not None:
        return redirect("desk:export_job", job_id=plan.job.pk)
    assert plan.exporter is not None
    if fmt == "csv":
        response = StreamingHttpResponse(plan.exporter.iter_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, plan.file_name)
        return response
    # The XLSX writer needs a whole file to finish the zip; an anonymous temp file vanishes on close.
    fh = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    plan.exporter.write_xlsx(fh)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=plan.file_name, content_type=XLSX)


def _own_job_or_404(request: HttpRequest, job_id: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, owner_id=request.user.pk).first()
    if job is None:
        raise Http404(_("没有找到该导出任务"))
    return job


@login_required
def export_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress page (htmx polls its partial every second until the job is finished)."""
    job = _own_job_or_404(request, job_id)
    template = "desk/_partials/export_progress.html" if request.headers.get("HX-Request") else "desk/export_job.html"
    return render(request, template, {"job": job, "finished": job.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)})


@login_required
def export_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = _own_job_or_404(request, job_id)
    if job.status != ExportStatus.DONE or not job.file_path or not Path(job.file_path).exists():
        raise Http404(_("文件不存在或已过期"))
    content_type = "text/csv; charset=utf-8" if job.file_path.endswith(".csv") else XLSX
    return FileResponse(Path(job.file_path).open("rb"), as_attachment=True, filename=job.file_name, content_type=content_type)

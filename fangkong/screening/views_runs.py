"""District pages of screening runs: upload a day's files, watch the run, read its quality
report and funnel. Thin: parse, call a service or query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.scoping import scope_of

from . import queries as q
from .forms import RunForm
from .services_run import REFERENCES, run_create, transfers_path


def _district_only(request: HttpRequest) -> None:
    if scope_of(request.user).level != "district":
        raise PermissionDenied(_("只有区级工作人员可以上传筛查数据。"))


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    _district_only(request)
    form = RunForm(request.POST if request.method == "POST" else None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = run_create(actor=request.user, as_of=form.cleaned_data["as_of"],
                                 sources=request.FILES.getlist("sources"),
                                 references={n: form.cleaned_data.get(n) for n in REFERENCES})
            except UserError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已开始筛查，完成后工单会自动派发到街镇和居村委。"))
                return redirect("screening:run", pk=run.pk)
        status = 422
    return render(request, "screening/run_list.html", {"form": form, "runs": q.runs_for(request.user)[:30]},
                  status=status)


def _run_context(request: HttpRequest, pk: int, *, unmasked: bool = False) -> dict[str, object]:
    run = q.run_or_404(request.user, pk)
    done = run.status == "done"
    return {"run": run, "funnel": q.run_funnel(run) if done else [],
            "quality": q.run_quality(run, unmasked=unmasked) if done else [],
            "precision": q.rule_precision(run) if done else [], "unmasked": unmasked,
            "may_unmask": request.user.has_perm("orgs.unmask_personal_data")}


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The quality report's examples are masked; ``?unmask=1`` shows them in full to staff with
    the permission, and is audited."""
    unmasked = False
    if request.GET.get("unmask") == "1":
        run = q.run_or_404(request.user, pk)
        if not request.user.has_perm("orgs.unmask_personal_data"):
            raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
        audit_log(actor=request.user, action="screening.quality_unmask", object_type="screening_run",
                  object_id=run.pk, district_id=run.district_id, request=request,
                  detail={"fields": ["quality_examples"]})
        unmasked = True
    return render(request, "screening/run_detail.html", _run_context(request, pk, unmasked=unmasked))


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx partial the run page polls every two seconds until the run ends."""
    return render(request, "screening/_partials/run_status.html", _run_context(request, pk))


@login_required
def run_transfers(request: HttpRequest, pk: int) -> FileResponse:
    """The people found outside the district (for other districts), as the pipeline wrote them."""
    run = q.run_or_404(request.user, pk)
    path = transfers_path(run)
    if path is None:
        raise Http404(_("没有外区移交名单"))
    audit_log(actor=request.user, action="screening.transfers_download", object_type="screening_run", object_id=run.pk,
              district_id=run.district_id, request=request)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"外区移交_{run.as_of:%Y%m%d}.csv")

"""Desk pages for allocation at close: committee quotas, and 分配/摇号 (confirm, then result).

Both answer 404 to anyone who may not act on the round (same as every desk URL with an id);
the checks themselves live in ``allocation.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.orgs.models import Town
from fangkong.orgs.scoping import scope_of

from . import allocation, queries
from .models import Round, RoundStatus


def _round(request: HttpRequest, round_id: int) -> Round:
    round_ = queries.rounds_for_staff(request.user).filter(pk=round_id).first()
    if round_ is None:
        raise Http404(_("没有找到该轮次"))
    return round_


@login_required
def round_allocate(request: HttpRequest, round_id: int) -> HttpResponse:
    """GET: what will happen (closed) or what happened (allocated); POST: allocate."""
    round_ = _round(request, round_id)
    if not allocation.can_allocate(request.user, round_):
        raise Http404(_("没有找到该轮次"))
    if request.method == "POST":
        try:
            done = allocation.round_allocate(actor=request.user, round_=round_, request=request)
        except allocation.AllocationRefused as exc:
            messages.error(request, exc.message)
        else:
            if done.already:
                messages.info(request, _("本轮此前已完成分配，没有任何改动。"))
            else:
                messages.success(
                    request,
                    _("{round}已完成分配：{drawn} 个居委会摇号，{losers} 条预约未中签（已短信通知）。").format(
                        round=round_.name, drawn=len(done.drawn_units), losers=done.not_allocated
                    ),
                )
        return redirect("desk:round_allocate", round_id=round_.pk)
    outcome: allocation.AllocationOutcome | None = None
    if round_.status == RoundStatus.ALLOCATED:
        outcome = allocation.allocation_record(round_)
    elif round_.status == RoundStatus.CLOSED:
        outcome = allocation.allocation_plan(round_)
    return render(request, "desk/round_allocate.html", {"round": round_, "outcome": outcome})


def _parse_quotas(post: Any, unit_ids: list[int]) -> tuple[dict[int, int | None], dict[int, str]]:
    quotas: dict[int, int | None] = {}
    errors: dict[int, str] = {}
    for unit_id in unit_ids:
        raw = (post.get(f"quota-{unit_id}") or "").strip()
        if not raw:
            quotas[unit_id] = None
        elif raw.lstrip("-").isdigit():
            quotas[unit_id] = int(raw)
        else:
            errors[unit_id] = _("请输入整数，或留空表示不限。")
    return quotas, errors


@login_required
def round_quotas(request: HttpRequest, round_id: int) -> HttpResponse:
    """Committee quotas of a round: one number per committee, saved in one POST."""
    round_ = _round(request, round_id)
    if not allocation.can_set_quotas(request.user, round_):
        raise Http404(_("没有找到该轮次"))
    scope = scope_of(request.user)
    town: Town | None = None
    if scope.level == "town" and scope.town_id is not None:
        town = Town.objects.get(pk=scope.town_id)
    elif round_.town_id is not None:
        town = Town.objects.get(pk=round_.town_id)
    elif (request.GET.get("town") or "").isdigit() and scope.district_id is not None:
        town = Town.objects.filter(pk=int(request.GET["town"]), district_id=scope.district_id).first()
        if town is None:
            raise Http404(_("没有找到该街镇"))
    if town is None:  # a district officer on a district-wide round: pick a town first
        towns = Town.objects.filter(district_id=scope.district_id or 0).order_by("code")
        return render(request, "desk/round_quotas.html", {"round": round_, "towns": towns, "rows": None})
    rows = list(allocation.quota_rows(request.user, round_, town_id=town.pk))
    errors: dict[int, str] = {}
    posted: dict[int, str] = {}
    if request.method == "POST":
        unit_ids = [row.pk for row in rows]
        posted = {pk: request.POST.get(f"quota-{pk}", "") for pk in unit_ids}
        quotas, errors = _parse_quotas(request.POST, unit_ids)
        if not errors:
            try:
                changes = allocation.round_quotas_set(actor=request.user, round_=round_, quotas=quotas, request=request)
            except allocation.QuotaInvalid as exc:
                errors = exc.errors
            else:
                messages.success(request, _("已保存 {count} 个居委会的额度。").format(count=len(changes)))
                return redirect(request.get_full_path())
    for row in rows:
        row.error = errors.get(row.pk, "")  # type: ignore[attr-defined]
        row.shown = posted.get(row.pk, "" if row.quota is None else str(row.quota))  # type: ignore[attr-defined]
        row.remaining = None if row.quota is None else row.quota - row.approved  # type: ignore[attr-defined]
    return render(
        request,
        "desk/round_quotas.html",
        {
            "round": round_,
            "town": town,
            "rows": rows,
            "form_error": errors.get(0, ""),
            "editable": round_.status != RoundStatus.ALLOCATED,
        },
        status=422 if errors else 200,
    )

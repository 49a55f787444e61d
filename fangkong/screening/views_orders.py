"""Work-order pages: the town's and the committee's lists, the order with its evidence, and the
actions (route, accept, result, return, close, extension, false positive). Thin: parse, call a
service or query, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee
from fangkong.orgs.scoping import scope_of

from . import queries as q
from .forms import ExtensionForm, ResultForm, ReturnForm
from .models import OrderStatus, OrderType
from .services import (
    allowed_actions,
    check_record,
    extension_decide,
    extension_request,
    order_accept,
    order_assign_town,
    order_close,
    order_mark_false_positive,
    order_report,
    order_return,
    order_reveal,
    order_route,
    orders_close,
    orders_route,
)


def _int(value: Any) -> int | None:
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


def _is_date(value: str) -> bool:
    try:
        return parse_date(value or "") is not None
    except ValueError:  # a well-formed but impossible date (2020-02-30)
        return False


def _level(request: HttpRequest) -> str:
    level = scope_of(request.user).level
    if level == "none":
        raise Http404(_("没有找到该页面"))
    return level


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    level = _level(request)
    default = "accept" if level == "committee" else "dispatch"
    status = request.GET.get("status", "open" if level == "committee" else default)
    day = parse_date(request.GET.get("day", "") or "") if _is_date(request.GET.get("day", "")) else None
    orders = q.orders_for(request.user, status=status, order_type=request.GET.get("type", ""),
                          committee_id=_int(request.GET.get("committee")), overdue=request.GET.get("overdue") == "1",
                          search=request.GET.get("q", ""), day=day, town_id=_int(request.GET.get("town")),
                          accepted=request.GET.get("accepted") == "1")
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "level": level, "counts": q.status_counts(request.user),
               "statuses": OrderStatus.choices, "types": OrderType.choices,
               "type": request.GET.get("type", ""), "overdue": request.GET.get("overdue") == "1",
               "search": request.GET.get("q", ""), "day": day, "town": _int(request.GET.get("town")),
               "accepted": request.GET.get("accepted") == "1"}
    if level == "committee":
        context["checks"] = q.checks_today(request.user)
        return render(request, "screening/order_list_committee.html", context)
    context["committees"] = q.route_targets(request.user)
    context["towns"] = q.route_towns(request.user)
    context["committee"] = _int(request.GET.get("committee"))
    if request.GET.get("times") == "1":
        context["times"] = q.handling_times(request.user)
    return render(request, "screening/order_list_town.html", context)


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    level = _level(request)
    unmasked = order_reveal(actor=request.user, order=order, request=request)
    return render(request, "screening/order_detail.html", {
        "o": order, "level": level, "unmasked": unmasked, "why": q.order_explanation(order, unmasked=unmasked), "events": q.order_events(order),
        "actions": allowed_actions(request.user, order),
        "committees": q.route_targets(request.user) if level != "committee" else [],
        "towns": q.route_towns(request.user), "return_form": ReturnForm(), "extension_form": ExtensionForm(),
    })


def _done(request: HttpRequest, pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("screening:order", pk=pk)


def _failed(request: HttpRequest, pk: int, exc: UserError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("screening:order", pk=pk)


@require_POST
@login_required
def order_route_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    try:
        town_id = _int(request.POST.get("town"))
        if town_id and not request.POST.get("committee") and not request.POST.get("candidate"):
            town = q.route_towns(request.user).filter(pk=town_id).first()
            if town is None:
                raise UserError(_("请选择街镇。"))
            order_assign_town(actor=request.user, order=order, town=town, request=request)
            return _done(request, pk, _("已转至%(t)s。") % {"t": town.name})
        address_id = label = ""
        candidate = _int(request.POST.get("candidate"))
        if candidate:
            picked = (order.candidates or [])[candidate - 1] if candidate <= len(order.candidates or []) else None
            if not picked or not picked.get("committee_id"):
                raise UserError(_("该候选地址不属于本区的居村委。"))
            committee_id: int | None = picked["committee_id"]
            address_id, label = str(picked.get("address_id") or ""), str(picked.get("label") or "")
        else:
            committee_id = _int(request.POST.get("committee"))
        committee = q.route_targets(request.user).filter(pk=committee_id or 0).first()
        if committee is None:
            raise UserError(_("请选择要派往的居村委。"))
        order_route(actor=request.user, order=order, committee=committee, address_id=address_id, address_label=label,
                    request=request)
    except UserError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, _("已派至%(c)s。") % {"c": committee.name})


@require_POST
@login_required
def order_bulk(request: HttpRequest) -> HttpResponse:
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i]
    orders = q.orders_by_ids(request.user, ids)
    action = request.POST.get("action")
    back = request.POST.get("next") or ""
    if not orders:
        messages.error(request, _("请先勾选工单。"))
    elif action == "route":
        committee: Committee | None = q.route_targets(request.user).filter(pk=_int(request.POST.get("committee")) or 0).first()
        if committee is None:
            messages.error(request, _("请选择要派往的居村委。"))
        else:
            try:
                n = orders_route(actor=request.user, orders=orders, committee=committee, request=request)
                messages.success(request, _("已派出%(n)s张工单至%(c)s。") % {"n": n, "c": committee.name})
            except UserError as exc:
                messages.error(request, exc.message)
    elif action == "close":
        try:
            n = orders_close(actor=request.user, orders=orders, note=request.POST.get("note", ""), request=request)
            messages.success(request, _("已办结%(n)s张工单。") % {"n": n})
        except UserError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请选择批量操作。"))
    return redirect(back if back.startswith("/screening/") else "screening:orders")


@require_POST
@login_required
def order_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    try:
        order_accept(actor=request.user, order=order, request=request)
    except UserError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, _("已签收，请尽快上门核查。"))


@login_required
def order_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    form = ResultForm(request.POST if request.method == "POST" else None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                order_report(actor=request.user, order=order, outcome=d["outcome"], note=d["note"],
                             photo=d.get("photo"), request=request)
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                text = _("地址不符，已退回街镇重新派单。") if d["outcome"] == "wrong_address" else _("核查结果已提交。")
                return _done(request, pk, text)
        status = 422
    return render(request, "screening/order_result.html", {"o": order, "form": form}, status=status)


@login_required
def order_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                order_return(actor=request.user, order=order, reason=form.cleaned_data["reason"],
                             note=form.cleaned_data["note"], request=request)
            except UserError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已退单，街镇将重新派单。"))
                return redirect("screening:orders")
        status = 422
    return render(request, "screening/order_return.html", {"o": order, "form": form}, status=status)


@require_POST
@login_required
def order_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    try:
        order_close(actor=request.user, order=order, note=request.POST.get("note", ""), request=request)
    except UserError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, _("工单已办结。"))


@require_POST
@login_required
def order_extension_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    decision = request.POST.get("decision")
    try:
        if decision in ("approve", "reject"):
            extension_decide(actor=request.user, order=order, approve=decision == "approve", request=request)
            return _done(request, pk, _("已批准延期。") if decision == "approve" else _("已驳回延期申请。"))
        form = ExtensionForm(request.POST)
        if not form.is_valid():
            raise UserError(str(next(iter(form.errors.values()))[0]))
        extension_request(actor=request.user, order=order, hours=form.cleaned_data["hours"],
                          reason=form.cleaned_data["reason"], request=request)
    except UserError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, _("延期申请已提交，等待街镇审批。"))


@require_POST
@login_required
def order_false_positive_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = q.order_or_404(request.user, pk)
    flag = request.POST.get("flag", "1") == "1"
    try:
        order_mark_false_positive(actor=request.user, order=order, note=request.POST.get("note", ""), flag=flag,
                                  request=request)
    except UserError as exc:
        return _failed(request, pk, exc)
    return _done(request, pk, _("已标记为误报。") if flag else _("已取消误报标记。"))


@login_required
def order_photo(request: HttpRequest, pk: int) -> FileResponse:
    order = q.order_or_404(request.user, pk)
    if not order.photo:
        raise Http404(_("没有现场照片"))
    return FileResponse(order.photo.open("rb"), filename=(order.photo.name or "photo").rsplit("/", 1)[-1])


@require_POST
@login_required
def check_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    check = q.check_or_404(request.user, pk)
    raw = (request.POST.get("temperature") or "").strip()
    try:
        temperature = float(raw) if raw else None
        if temperature is not None and not 34 <= temperature <= 43:
            raise ValueError
    except ValueError:
        messages.error(request, _("体温请填写34到43之间的数字。"))
        return redirect("screening:orders")
    try:
        check_record(actor=request.user, check=check, temperature=temperature,
                     symptoms=request.POST.get("symptoms") == "1", note=request.POST.get("note", ""))
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已登记今日观察情况。"))
    return redirect("screening:orders")


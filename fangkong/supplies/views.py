"""Pages of supplies (物资): the request list per level with filters and export, a request with
its moves, the new-request page, and the stock page (balances, ledger, 入库/发放)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs.models import Town
from fangkong.orgs.scoping import scope_of

from . import queries, services
from .exports import requests_export
from .forms import RequestForm, StockForm, parse_quantities
from .models import Item, Status, SupplyRequest, Urgency


def _level(request: HttpRequest) -> str:
    level = scope_of(request.user).level
    if level == "none":
        raise Http404
    return level


def _filters(request: HttpRequest) -> queries.Filters:
    try:
        town = int(request.GET.get("town", "")) or None
    except ValueError:
        town = None
    return queries.Filters(status=request.GET.get("status", ""), urgency=request.GET.get("urgency", ""),
                           town=town, box=request.GET.get("box", ""))


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    level = _level(request)
    filters = _filters(request)
    page = Paginator(queries.requests_for(request.user, filters), 30).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in filters.as_dict().items() if v)
    return render(request, "supplies/request_list.html", {
        "page": page, "level": level, "filters": filters, "query": query, "statuses": Status.choices,
        "urgencies": Urgency.choices, "towns": list(Town.objects.filter(district_id=scope_of(request.user).district_id or 0)) if level == "district" else [],
    })


@login_required
def request_export(request: HttpRequest) -> HttpResponse:
    _level(request)
    filters = _filters(request)
    name, data = requests_export(actor=request.user, rows=queries.requests_for(request.user, filters),
                                 filters=filters.as_dict())
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    level = _level(request)
    if level not in ("committee", "town"):
        raise Http404
    items = list(Item.objects.filter(active=True))
    form = RequestForm(request.POST or None)
    values: dict[int, int | None] = {}
    if request.method == "POST" and form.is_valid():
        try:
            values = parse_quantities(request.POST, "q_", [i.pk for i in items])
            created = services.request_create(
                actor=request.user, quantities={i: values.get(i.pk) or 0 for i in items},
                urgency=form.cleaned_data["urgency"], reason=form.cleaned_data["reason"])
        except UserError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("申请 %(n)s 已提交。") % {"n": created.number})
            return redirect("supplies:detail", pk=created.pk)
    rows = [(i, request.POST.get(f"q_{i.pk}", "")) for i in items]
    return render(request, "supplies/request_new.html", {"form": form, "rows": rows, "level": level},
                  status=422 if request.method == "POST" else 200)


def _get(request: HttpRequest, pk: int) -> SupplyRequest:
    try:
        return queries.request_detail(request.user, pk)
    except SupplyRequest.DoesNotExist:
        raise Http404 from None


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    r = _get(request, pk)
    holder = services.supplier_holder(r)
    lines = list(r.lines.all())
    can_supply = services.can_supply(request.user, r)
    stock = {line.item_id: services.balance_of(holder, line.item) for line in lines} if can_supply else {}
    return render(request, "supplies/request_detail.html", {
        "r": r, "lines": [(line, stock.get(line.item_id)) for line in lines], "can_supply": can_supply,
        "can_receive": services.can_receive(request.user, r), "level": scope_of(request.user).level,
    })


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    r = _get(request, pk)
    ids = [line.item_id for line in r.lines.all()]
    try:
        if action == "commit":
            forwarded = services.request_commit(actor=request.user, request=r, approved=parse_quantities(request.POST, "n_", ids),
                                                forward=bool(request.POST.get("forward")))
            msg = _("已批准。") + (_("已向区级转报 %(n)s。") % {"n": forwarded.number} if forwarded else "")
        elif action == "reject":
            services.request_reject(actor=request.user, request=r, reason=request.POST.get("reason", ""))
            msg = _("已驳回。")
        elif action == "send":
            services.request_send(actor=request.user, request=r, sent=parse_quantities(request.POST, "n_", ids))
            msg = _("已发出，库存已扣减。")
        elif action == "receive":
            services.request_receive(actor=request.user, request=r, received=parse_quantities(request.POST, "n_", ids),
                                     note=request.POST.get("note", ""))
            msg = _("已签收，物资已入本级库存。")
        else:
            raise Http404
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, msg)
    return redirect("supplies:detail", pk=r.pk)


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    _level(request)
    holder = services.holder_of(request.user)
    form = StockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["kind"] == "issue":
                services.stock_issue(actor=request.user, item=d["item"], quantity=d["quantity"], note=d["note"])
            else:
                services.stock_add(actor=request.user, item=d["item"], quantity=d["quantity"], note=d["note"])
        except UserError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已记账。"))
            return redirect("supplies:stock")
    return render(request, "supplies/stock.html", {
        "form": form, "balances": list(queries.own_balances(request.user, holder)),
        "below": list(queries.below_balances(request.user)[:300]), "moves": queries.own_moves(request.user, holder),
        "level": scope_of(request.user).level,
    }, status=422 if request.method == "POST" else 200)

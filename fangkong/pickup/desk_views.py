"""Desk pages of the pickup app: points, their clerks and stock per round (towns, district), the
voucher PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.booking.models import Booking, Round
from fangkong.booking.queries import rounds_for_staff
from fangkong.core.audit import audit_log
from fangkong.core.masking import mask_phone

from . import queries
from .forms import ClerkAddForm, PickupPointForm
from .models import PickupPoint, PickupStock, Voucher
from .services import StockError, point_create, stock_set
from .services_clerks import ClerkError, point_clerk_add, point_clerk_remove
from .views import _pdf_response


@dataclass
class PointRow:
    point: PickupPoint
    stock: PickupStock | None
    clerks: list[tuple[Any, str]]  # (account, masked phone)
    clerk_form: ClerkAddForm


def _rounds_and_current(request: HttpRequest) -> tuple[list[Round], Round | None]:
    if not request.user.has_perm("orgs.manage_rounds"):
        raise Http404
    rounds = list(rounds_for_staff(request.user).select_related("goods")[:20])
    round_ = next((r for r in rounds if str(r.pk) == request.GET.get("round", request.POST.get("round", ""))), None)
    return rounds, round_ or next((r for r in rounds if r.status == "open"), rounds[0] if rounds else None)


def _points_url(request: HttpRequest, round_: Round | None, anchor: str = "") -> str:
    url = reverse("pickup:desk_points") + (f"?round={round_.pk}" if round_ else "")
    return url + (f"#{anchor}" if anchor else "")


def _render_points(request: HttpRequest, rounds: list[Round], round_: Round | None, *, form: PickupPointForm | None = None,
                   clerk_form: tuple[int, ClerkAddForm] | None = None, status: int = 200) -> HttpResponse:
    points = list(queries.points_managed_by(request.user))
    stocks = {s.point_id: s for s in PickupStock.objects.filter(round=round_, point__in=points)} if round_ else {}
    rows = [
        PointRow(point=p, stock=stocks.get(p.pk),
                 clerks=[(c, mask_phone(c.phone)) for c in p.clerks.all()],
                 clerk_form=clerk_form[1] if clerk_form and clerk_form[0] == p.pk else ClerkAddForm(prefix=f"p{p.pk}"))
        for p in points
    ]
    return render(request, "pickup/desk_points.html", {
        "rounds": rounds, "round": round_, "rows": rows, "form": form or PickupPointForm(user=request.user),
    }, status=status)


@login_required
def points_page(request: HttpRequest) -> HttpResponse:
    """Town officers: their town's points, clerks and stock for a round; the district: every town."""
    rounds, round_ = _rounds_and_current(request)
    form = PickupPointForm(user=request.user)
    if request.method == "POST" and request.POST.get("action") == "stock" and round_ is not None:
        try:
            quantity = int((request.POST.get("quantity") or "").strip())
        except ValueError:
            messages.error(request, _("库存数量请填写整数。"))
        else:
            try:
                stock, issued = stock_set(actor=request.user, round_=round_, point_id=int(request.POST.get("point", 0) or 0),
                                          quantity=quantity, request=request)
            except StockError as exc:
                messages.error(request, exc.message)
            else:
                text = _("“{point}”库存已更新为 {quantity}。").format(point=stock.point.name, quantity=stock.quantity)
                if issued:
                    text += _("已为 {n} 个等待库存的预约发放凭证。").format(n=issued)
                messages.success(request, text)
        return redirect(_points_url(request, round_))
    if request.method == "POST" and request.POST.get("action") == "point":
        form = PickupPointForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                point = point_create(actor=request.user, request=request, **form.cleaned_data)
            except StockError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已新增领取点“{name}”。").format(name=point.name))
                return redirect(_points_url(request, round_))
    return _render_points(request, rounds, round_, form=form)


@require_POST
@login_required
def clerk_add(request: HttpRequest, pk: int) -> HttpResponse:
    """添加店员: bind the clerk with this phone, or create the account and text the clerk."""
    rounds, round_ = _rounds_and_current(request)
    point = get_object_or_404(queries.points_managed_by(request.user), pk=pk)
    form = ClerkAddForm(request.POST, prefix=f"p{point.pk}")
    if form.is_valid():
        try:
            clerk, created = point_clerk_add(actor=request.user, point_id=point.pk, request=request, **form.cleaned_data)
        except ClerkError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = (_("已为“{point}”新建店员账号 {name}（{phone}），并已短信通知其设置密码。") if created
                    else _("已将店员 {name}（{phone}）添加到“{point}”，并已短信通知。"))
            messages.success(request, text.format(point=point.name, name=clerk.display_name or clerk.username,
                                                  phone=mask_phone(clerk.phone)))
            return redirect(_points_url(request, round_, f"point-{point.pk}"))
    return _render_points(request, rounds, round_, clerk_form=(point.pk, form), status=422)


@require_POST
@login_required
def clerk_remove(request: HttpRequest, pk: int, clerk_pk: int) -> HttpResponse:
    """移除: unbind the clerk from this point (the account stays)."""
    _rounds, round_ = _rounds_and_current(request)
    point = get_object_or_404(queries.points_managed_by(request.user), pk=pk)
    if not point.clerks.filter(pk=clerk_pk).exists():
        raise Http404(_("该店员不在此领取点。"))
    clerk = point_clerk_remove(actor=request.user, point_id=point.pk, clerk_id=clerk_pk, request=request)
    messages.success(request, _("已将店员 {name} 从“{point}”移除。").format(name=clerk.display_name or clerk.username,
                                                                     point=point.name))
    return redirect(_points_url(request, round_, f"point-{point.pk}"))


@login_required
def booking_voucher_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    booking = Booking.objects.visible_to(request.user).filter(pk=pk).first()
    if booking is None:
        raise Http404(_("没有找到该预约"))
    voucher = Voucher.objects.select_related("booking__round__goods", "point").filter(booking=booking).first()
    if voucher is None:
        raise Http404(_("该预约还没有领取凭证"))
    audit_log(actor=request.user, action="voucher.print", object_type="booking", object_id=booking.booking_no,
              district_id=booking.district_id, town_id=booking.town_id, committee_id=booking.committee_id, request=request)
    return _pdf_response(voucher)

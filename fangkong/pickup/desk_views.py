"""Desk pages of the pickup app: points and stock per round (towns, district), the voucher PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.booking.models import Booking
from fangkong.booking.queries import rounds_for_staff
from fangkong.core.audit import audit_log

from . import queries
from .forms import PickupPointForm
from .models import PickupStock, Voucher
from .services import StockError, point_create, stock_set
from .views import _pdf_response


@login_required
def points_page(request: HttpRequest) -> HttpResponse:
    """Town officers: their town's points and stock for a round; the district: every town."""
    if not request.user.has_perm("orgs.manage_rounds"):
        raise Http404
    rounds = list(rounds_for_staff(request.user).select_related("goods")[:20])
    round_ = next((r for r in rounds if str(r.pk) == request.GET.get("round", request.POST.get("round", ""))), None)
    round_ = round_ or next((r for r in rounds if r.status == "open"), rounds[0] if rounds else None)
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
        return redirect(f"{request.path}?round={round_.pk}")
    if request.method == "POST" and request.POST.get("action") == "point":
        form = PickupPointForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                point = point_create(actor=request.user, request=request, **form.cleaned_data)
            except StockError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已新增领取点“{name}”。").format(name=point.name))
                return redirect(f"{request.path}?round={round_.pk}" if round_ else request.path)
    points = list(queries.points_managed_by(request.user))
    stocks = {s.point_id: s for s in PickupStock.objects.filter(round=round_, point__in=points)} if round_ else {}
    rows = [(p, stocks.get(p.pk)) for p in points]
    return render(request, "pickup/desk_points.html", {"rounds": rounds, "round": round_, "rows": rows, "form": form})


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

"""The clerk's phone page (/pickup/), the QR's target (/v/<token>/) and the public stock page.

The clerk page works without JavaScript (type the code, press 查看, press 确认领取); with it,
static/js/pickup-scan.js reads the QR from the camera (jsQR) and opens the voucher.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.masking import mask_name

from . import queries
from .models import PickupPoint, Voucher
from .pdf import voucher_pdf
from .services import RedeemError, check_redeemable, voucher_redeem
from .templatetags.pickup import voucher_context
from .windows import window_display


def _clerk_points(request: HttpRequest) -> list[PickupPoint]:
    points = list(PickupPoint.objects.for_clerk(request.user).order_by("name"))
    if not points:
        raise Http404(_("您的账号没有绑定领取点，请联系街镇工作人员。"))
    return points


def _current_point(request: HttpRequest, points: list[PickupPoint]) -> PickupPoint:
    wanted = request.POST.get("point") or request.GET.get("point") or request.session.get("pickup_point")
    point = next((p for p in points if str(p.pk) == str(wanted)), points[0])
    request.session["pickup_point"] = point.pk
    return point


def _voucher_facts(voucher):  # type: ignore[no-untyped-def]
    booking = voucher.booking
    return {
        "name": mask_name(booking.name),
        "goods": booking.round.goods.name,
        "unit": booking.round.goods.unit,
        "quantity": voucher.quantity,
        "round": booking.round.name,
        "booking_no": booking.booking_no,
        "window": window_display(voucher.window_start, voucher.window_end),
        "status": booking.get_status_display(),
    }


@login_required
def clerk_page(request: HttpRequest) -> HttpResponse:
    points = _clerk_points(request)
    point = _current_point(request, points)
    code, token = request.GET.get("code", ""), request.GET.get("t", "")
    context: dict = {"points": points, "point": point, "code": code}
    status = 200
    if code or token:
        found = queries.voucher_for_clerk(request.user, code=code, token=token)
        context["error"], status = found.error, found.status
        if found.voucher is not None:
            voucher = found.voucher
            context["voucher"] = voucher
            try:
                check_redeemable(voucher, point, timezone.now())
            except RedeemError as exc:
                context["refusal"] = exc.message
            if voucher.point_id == point.pk:
                context["facts"] = _voucher_facts(voucher)
    return render(request, "pickup/clerk.html", context, status=status)


@login_required
@require_POST
def clerk_redeem(request: HttpRequest) -> HttpResponse:
    points = _clerk_points(request)
    point = _current_point(request, points)
    context: dict = {"points": points, "point": point}
    try:
        voucher_id = int(request.POST.get("voucher", ""))
    except ValueError:
        raise Http404 from None
    try:
        voucher = voucher_redeem(actor=request.user, voucher_id=voucher_id, point_id=point.pk, request=request)
    except RedeemError as exc:
        context["refusal"] = exc.message
        found = Voucher.objects.select_related("booking__round__goods", "point", "redeemed_point").filter(
            pk=voucher_id, point_id=point.pk).first()
        if found is not None:
            context.update(voucher=found, facts=_voucher_facts(found))
        return render(request, "pickup/clerk.html", context, status=409)
    context.update(voucher=voucher, facts=_voucher_facts(voucher), redeemed=True)
    return render(request, "pickup/clerk.html", context)


def voucher_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the QR leads: a clerk lands on her redeem page, anyone else sees the voucher."""
    if request.user.is_authenticated and PickupPoint.objects.for_clerk(request.user).exists():
        return redirect(reverse("pickup:clerk") + "?t=" + token)
    voucher = queries.voucher_by_token(token)
    if voucher is None:
        return render(request, "pickup/voucher_invalid.html", status=404)
    booking = voucher.booking
    return render(request, "pickup/voucher_public.html",
                  {**voucher_context(voucher), "booking": booking, "masked_name": mask_name(booking.name)})


def voucher_pdf_public(request: HttpRequest, token: str) -> HttpResponse:
    voucher = queries.voucher_by_token(token)
    if voucher is None:
        raise Http404(_("凭证无效"))
    return _pdf_response(voucher)


def _pdf_response(voucher) -> HttpResponse:  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    response = HttpResponse(voucher_pdf(voucher), content_type="application/pdf")
    name = quote(f"领取凭证_{voucher.code}.pdf")
    response["Content-Disposition"] = f"inline; filename=\"voucher_{voucher.code}.pdf\"; filename*=UTF-8''{name}"
    response["Cache-Control"] = "private, no-store"
    return response


def stock_page(request: HttpRequest) -> HttpResponse:
    stocks = list(queries.public_stock(town_code=request.GET.get("town", "")))
    return render(request, "pickup/stock_public.html", {"stocks": stocks})

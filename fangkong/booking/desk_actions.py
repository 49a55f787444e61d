"""Desk actions on bookings: 通过 / 不通过 / 待定 (one row or in bulk) and the phone button.

Each action works twice over: with htmx the response is the booking's row, swapped in place
(an error shows inside the row); without JavaScript it is a plain POST answered with a redirect
back to the list and a flash message. The services in ``workflow.py`` do the checking.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.audit import audit_log
from fangkong.orgs.scoping import committees_in_scope

from . import queries, workflow
from .models import Booking, BookingStatus
from .workdays import overdue_cutoff


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _follow_up(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def row_context(request: HttpRequest, booking: Booking, *, next_url: str, error: str = "") -> dict[str, Any]:
    return {
        "b": booking,
        "next": next_url,
        "row_error": error,
        "overdue_cutoff": overdue_cutoff(),
        "reasons": workflow.DecisionReason.choices,
        "today": timezone.localdate().isoformat(),
        "htmx": True,
    }


@login_required
@require_POST
def booking_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """POST ``decision`` = approve | reject | hold, with ``reason_code``, ``note``, ``follow_up_on``."""
    if queries.booking_for_staff(request.user, pk) is None:  # out of scope: 404 whatever was posted
        raise Http404(_("没有找到该预约"))
    decision = request.POST.get("decision", "")
    to_status = {"approve": BookingStatus.APPROVED, "reject": BookingStatus.REJECTED, "hold": BookingStatus.ON_HOLD}.get(decision)
    if to_status is None:
        return HttpResponseBadRequest(_("无效的操作"))
    fallback = reverse("desk:booking", args=[pk])
    next_url = _next_url(request, fallback)
    error = ""
    try:
        booking = workflow.booking_transition(
            actor=request.user,
            booking_id=pk,
            to_status=to_status,
            reason_code=request.POST.get("reason_code", ""),
            note=request.POST.get("note", ""),
            follow_up_on=_follow_up(request.POST.get("follow_up_on", "")),
            request=request,
        )
    except workflow.BookingNotFound:
        raise Http404(_("没有找到该预约")) from None
    except workflow.TransitionError as exc:
        error = exc.message
    else:
        done = _("预约 {booking_no}：{status}").format(booking_no=booking.booking_no, status=booking.get_status_display())
    if getattr(request, "htmx", False):
        fresh = queries.booking_for_staff(request.user, pk)
        if fresh is None:
            raise Http404(_("没有找到该预约"))
        return render(request, "desk/_partials/booking_row.html", row_context(request, fresh, next_url=next_url, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(next_url)


@login_required
@require_POST
def bulk_approve(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = queries.rounds_for_staff(request.user).filter(pk=round_id).first()
    if round_ is None:
        raise Http404(_("没有找到该轮次"))
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    next_url = _next_url(request, reverse("desk:round", args=[round_id]))
    if not ids:
        messages.error(request, _("请先勾选要通过的预约。"))
        return redirect(next_url)
    outcome = workflow.booking_approve_many(
        actor=request.user, booking_ids=ids, request=request, round_id=round_.pk
    )
    summary = _("已通过 {approved} 条，{left} 条未能通过。").format(approved=len(outcome.approved), left=outcome.left)
    _report(request, summary, outcome)
    return redirect(next_url)


@login_required
@require_POST
def approve_in_order(request: HttpRequest, round_id: int, committee_id: int) -> HttpResponse:
    round_ = queries.rounds_for_staff(request.user).filter(pk=round_id).first()
    committee = committees_in_scope(request.user).filter(pk=committee_id).first()
    if round_ is None or committee is None:
        raise Http404(_("没有找到该居委会"))
    outcome = workflow.booking_approve_in_order(actor=request.user, round_=round_, committee=committee, request=request)
    summary = _("已按登记顺序通过 {approved} 条，还剩 {left} 条待审核。").format(
        approved=len(outcome.approved), left=outcome.left
    )
    _report(request, summary, outcome)
    return redirect(_next_url(request, reverse("desk:round", args=[round_id])))


def _report(request: HttpRequest, summary: str, outcome: workflow.BulkOutcome) -> None:
    messages.success(request, summary)
    for booking_no, message in outcome.skipped[:5]:
        messages.error(request, f"{booking_no} {message}".strip())
    if len(outcome.skipped) > 5:
        messages.error(request, _("另有 {count} 条未能通过。").format(count=len(outcome.skipped) - 5))


class TelRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@login_required
def booking_call(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone button of a masked list row: audited like opening the record, then dials."""
    booking = queries.booking_for_staff(request.user, pk)
    if booking is None:
        raise Http404(_("没有找到该预约"))
    if not request.user.has_perm("orgs.unmask_personal_data"):
        return redirect("desk:booking", pk=pk)
    audit_log(
        actor=request.user, action="booking.call", object_type="booking", object_id=booking.booking_no,
        district_id=booking.district_id, town_id=booking.town_id, committee_id=booking.committee_id,
        request=request, detail={"fields": ["phone"]},
    )
    return TelRedirect(f"tel:{booking.phone}")

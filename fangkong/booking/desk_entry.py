"""Desk entry: a worker books for a resident who walks in or calls (no phone of their own).

Same form, same validations and the same one-per-ID rule as the resident page (it calls
``booking_create`` with ``source=DESK``, which audits the entry), including up to
``MAX_MEMBERS`` household members booked by proxy (the resident page's rows and checks:
``MemberForm``/``validate_members``; each member's booking is audited as desk-entered too). A committee worker may enter
only addresses of her own committee; a town officer only addresses of her town.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.addresses.queries import search_addresses
from fangkong.orgs.models import Town
from fangkong.orgs.scoping import scope_of

from . import queries
from .forms import BookingForm, MemberForm, validate_members
from .models import BookingSource, IdType
from .services import BookingError, DuplicateBooking, booking_create

SUGGESTIONS = 10
MEMBER_ROWS = 5  # as on the resident page (fangkong/booking/views.py)


def _member_forms(data: object | None) -> list[MemberForm]:
    return [MemberForm(data, prefix=f"m{i}") for i in range(1, MEMBER_ROWS + 1)]  # type: ignore[arg-type]


def entry_scope_error(user: Any, cleaned: dict[str, Any]) -> str:
    """Why ``user`` may not enter this address ("" when she may)."""
    scope = scope_of(user)
    address = cleaned.get("address")
    if scope.level == "committee":
        if address is None:
            return _("请搜索并选择本居委会辖区内的标准地址。")
        if address.committee_id != scope.committee_id:
            return _("该地址属于{committee}，您只能为本居委会辖区内的居民代录预约。").format(
                committee=address.committee.name
            )
    if scope.level == "town":
        town = cleaned.get("town")
        if town is None or town.pk != scope.town_id:
            return _("该地址不在本街镇，您只能为本街镇居民代录预约。")
    return ""


@login_required
def booking_new(request: HttpRequest) -> HttpResponse:
    """``/desk/bookings/new/?round=<id>``: for committee workers and town officers."""
    scope = scope_of(request.user)
    round_id = request.GET.get("round", "")
    round_ = (
        queries.rounds_for_staff(request.user).filter(pk=int(round_id)).first()
        if round_id.isdigit() and scope.level in ("committee", "town")
        else None
    )
    if round_ is None:
        raise Http404(_("没有找到该轮次"))
    candidates: list = []
    form = BookingForm(initial={"household_size": 1, "id_type": IdType.RESIDENT_ID})
    members = _member_forms(request.POST if request.method == "POST" else None)
    query = request.POST.get("address_query", "") if request.method == "POST" else ""
    if request.method == "POST":
        if request.POST.get("action") == "search":
            candidates = search_addresses(query, limit=SUGGESTIONS)
            form = BookingForm(initial=request.POST.dict())
        else:
            form = BookingForm(request.POST)
            if form.is_valid():
                problem = entry_scope_error(request.user, form.cleaned_data)
                people, errors = validate_members(members, form.cleaned_data["id_number"])
                for message in errors.get("members", []):
                    form.add_error(None, message)
                if problem:
                    form.add_error("address_id", problem)
                elif not errors:
                    try:
                        outcome = booking_create(
                            round_=round_, data=form.booking_data(people), source=BookingSource.DESK,
                            actor=request.user, request=request,
                        )
                    except DuplicateBooking as exc:
                        form.add_error("id_number", exc.message)
                    except BookingError as exc:
                        form.add_error(None if exc.field not in form.fields else exc.field, exc.message)
                    else:
                        booking = outcome.booking
                        text = _("已代录预约 {booking_no}，短信已发送给居民。").format(booking_no=booking.booking_no)
                        if outcome.members:
                            text += _("同时为{count}位家庭成员代约：{numbers}。").format(
                                count=len(outcome.members), numbers="、".join(m.booking_no for m in outcome.members))
                        messages.success(request, text)
                        return redirect("desk:booking", pk=booking.pk)
            elif query and not form.cleaned_data.get("address"):
                candidates = search_addresses(query, limit=SUGGESTIONS)
    return render(
        request,
        "desk/booking_new.html",
        {
            "round": round_,
            "form": form,
            "candidates": candidates,
            "address_query": query,
            "towns": Town.objects.filter(pk=scope.town_id) if scope.town_id else Town.objects.none(),
            "committee_only": scope.level == "committee",
            "members": members,
            "members_open": any(not m.is_blank() for m in members),
        },
        status=422 if form.errors else 200,
    )

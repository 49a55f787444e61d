"""Staff pages of the address review queue (地址复核) and the identification rate (地址识别率).

Towns see their own items and figures, the district all of them; anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import UserError
from fangkong.orgs.models import Town
from fangkong.orgs.scoping import Scope, scope_of

from . import queries_review as q
from .models import MatchStatus
from .queries import search_addresses
from .services_review import ReviewNotFound, address_review_confirm, address_review_reject
from .sources import source_label, source_link

PAGE_SIZE = 20
RATE_DAYS = (7, 30, 90)


def _staff_scope(request: HttpRequest) -> Scope:
    scope = scope_of(request.user)
    if scope.level not in ("town", "district"):
        raise Http404(_("没有找到该页面"))
    return scope


def _town_filter(request: HttpRequest, scope: Scope) -> Town | None:
    """The district's ?town= drill-down (a town of its own district, else 404)."""
    value = request.GET.get("town", "")
    if scope.level != "district" or scope.district_id is None or not value.isdigit():
        return None
    town = Town.objects.filter(pk=int(value), district_id=scope.district_id).first()
    if town is None:
        raise Http404(_("没有找到该街镇"))
    return town


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    scope = _staff_scope(request)
    town = _town_filter(request, scope)
    page = Paginator(q.open_reviews(request.user, town_id=town.pk if town else None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = [
        {"review": r, "source": source_label(r.source), "link": source_link(r),
         "match": MatchStatus(r.match_status).label if r.match_status else ""}
        for r in page
    ]
    context: dict[str, Any] = {
        "page": page, "items": items, "scope": scope, "town": town, "matching": q.matching_count(request.user),
    }
    if scope.level == "district":
        context["town_counts"] = q.open_counts_by_town(request.user)
    return render(request, "addresses/review_list.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("addresses:reviews")
    return redirect(target)


@login_required
@require_POST
def review_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_scope(request)
    committee = request.POST.get("committee_id", "")
    try:
        review = address_review_confirm(
            actor=request.user, review_id=pk, address_id=request.POST.get("address_id", "").strip()[:32],
            committee_id=int(committee) if committee.isdigit() else None, request=request,
        )
    except ReviewNotFound:
        raise Http404(_("没有找到该复核事项。")) from None
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        where = review.address.label if review.address else review.committee.name if review.committee else ""
        messages.success(request, _("已确认“{text}”→ {where}，并记为地址别名。").format(text=review.text, where=where))
    return _back(request)


@login_required
@require_POST
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_scope(request)
    try:
        review = address_review_reject(actor=request.user, review_id=pk, note=request.POST.get("note", ""), request=request)
    except ReviewNotFound:
        raise Http404(_("没有找到该复核事项。")) from None
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已将“{text}”标记为辖区外/无法确定。").format(text=review.text))
    return _back(request)


@login_required
def review_search(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: standard addresses for a different room, each with a button to pick it."""
    _staff_scope(request)
    review = q.review_for_staff(request.user, pk)
    if review is None:
        raise Http404(_("没有找到该复核事项。"))
    text = request.GET.get("q", "").strip()
    rooms = search_addresses(text, limit=10) if text else []
    return render(
        request, "addresses/_partials/search_results.html",
        {"review": review, "rooms": rooms, "q": text, "next": request.GET.get("next", "")},
    )


@login_required
def rate_page(request: HttpRequest) -> HttpResponse:
    scope = _staff_scope(request)
    town = _town_filter(request, scope)
    days = int(request.GET.get("days", "30")) if request.GET.get("days", "30") in {str(d) for d in RATE_DAYS} else 30
    report = q.rate_report(request.user, days=days, town_id=town.pk if town else None)
    if report is None:
        raise Http404(_("没有找到该页面"))
    chart = q.chart_data(report)
    chart["names"] = {
        "matched": _("识别到房屋"), "alias": _("按别名识别"), "committee_only": _("只到居委"), "review": _("转人工复核"),
        "outside": _("不在本区"), "confirmed": _("人工确认"), "rejected": _("人工判为无法确定"), "rate": _("房屋识别率"),
    }
    return render(
        request, "addresses/rate.html",
        {"report": report, "chart": chart, "scope": scope, "town": town, "days": days, "day_choices": RATE_DAYS},
    )

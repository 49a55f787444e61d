"""The screening dashboard: the day's funnel, identification per source, handling times and
overdue per unit, open urgent orders. A full page on first load; htmx polls the same URL and
gets the live part only. Thin: parse, call a query, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.orgs.scoping import scope_of

from .queries_dashboard import chart_data, screening_board

POLL_SECONDS = 30


@login_required
@never_cache
def screening_dashboard(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level == "none":
        raise Http404(_("没有找到该页面"))
    try:
        day = parse_date(request.GET.get("day", "") or "")
    except ValueError:
        day = None
    board = screening_board(request.user, day)
    context = {"board": board, "chart": chart_data(board), "poll_seconds": POLL_SECONDS,
               "poll_url": request.get_full_path()}
    template = "screening/_partials/dashboard_body.html" if request.htmx else "screening/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, context)

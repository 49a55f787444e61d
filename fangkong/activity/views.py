"""The activity dashboard: the district sees its towns, a town its committees; others get a 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.orgs.models import Town
from fangkong.orgs.scoping import scope_of, towns_in_scope

from .queries import DAYS, activity_board


def _render(request: HttpRequest, *, district_id: int, town: Town | None, crumbs: list[tuple[str, str]]) -> HttpResponse:
    board = activity_board(district_id=district_id, town_id=town.pk if town else None)
    if town is None:
        for line in board.units:
            if line.key is not None:
                line.link = reverse("activity:town", args=[line.key])
    context = {
        "board": board,
        "title": town.name if town else _("全区"),
        "crumbs": crumbs,
        "days": DAYS,
        "chart": board.chart(),
    }
    return render(request, "activity/dashboard.html", context)


@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.level == "district" and scope.district_id is not None:
        return _render(request, district_id=scope.district_id, town=None, crumbs=[])
    if scope.level == "town" and scope.town_id is not None and scope.district_id is not None:
        town = Town.objects.get(pk=scope.town_id)
        return _render(request, district_id=scope.district_id, town=town, crumbs=[])
    raise Http404(_("活跃度看板仅对区和街镇工作人员开放"))


@login_required
@never_cache
def town_dashboard(request: HttpRequest, town_id: int) -> HttpResponse:
    scope = scope_of(request.user)
    town = towns_in_scope(request.user).filter(pk=town_id).first()
    if town is None:
        raise Http404(_("没有找到该街镇"))
    crumbs = [(_("全区"), reverse("activity:dashboard"))] if scope.level == "district" else []
    return _render(request, district_id=town.district_id, town=town, crumbs=crumbs)

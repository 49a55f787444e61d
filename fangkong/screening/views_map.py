"""The work-order map: a page (Leaflet, self-hosted; 天地图 tiles when ``TIANDITU_KEY`` is set)
and the JSON of its markers, both scoped to the user. Thin: parse, call a query, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.orgs.scoping import committees_in_scope, scope_of

from .queries_map import MapFilter, map_center, map_orders


def _filter(request: HttpRequest) -> MapFilter:
    if scope_of(request.user).level == "none":
        raise Http404(_("没有找到该页面"))
    committee_id = None
    raw = request.GET.get("committee", "")
    if raw.isdigit() and int(raw):
        # A committee outside the scope is a 404, not an empty map.
        if not committees_in_scope(request.user).filter(pk=int(raw)).exists():
            raise Http404(_("没有找到该居村委"))
        committee_id = int(raw)
    return MapFilter(committee_id=committee_id, urgent_only=request.GET.get("urgent") == "1")


@login_required
def order_map(request: HttpRequest) -> HttpResponse:
    flt = _filter(request)
    level = scope_of(request.user).level
    query = request.GET.urlencode()
    center = map_center(request.user, flt)
    config = {
        "data_url": reverse("screening:map_data") + (f"?{query}" if query else ""),
        "tianditu_key": settings.TIANDITU_KEY,
        "center": list(center) if center else [31.2215, 121.5447],  # Pudong when nothing is known
        "labels": {"orders": _("张工单"), "open": _("查看工单"), "none": _("没有待办工单"),
                   "locate": _("我的位置"), "locate_failed": _("无法获取您的位置")},
    }
    committees = committees_in_scope(request.user).order_by("code") if level != "committee" else []
    return render(request, "screening/order_map.html", {
        "config": config, "level": level, "committees": committees, "committee": flt.committee_id,
        "urgent": flt.urgent_only,
    })


@login_required
@never_cache
def order_map_data(request: HttpRequest) -> JsonResponse:
    return JsonResponse(map_orders(request.user, _filter(request)), json_dumps_params={"ensure_ascii": False})

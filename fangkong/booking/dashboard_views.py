"""Live dashboards of a round: district → town → committee, each scoped to the user.

A full page on first load; htmx polls the same URL every 15 seconds and gets only the live
part (``_partials/dashboard_body.html``). Every number links to the list behind it: the
district's to the town's dashboard, the town's to the committee's booking list, with the
status (or hour) carried in the query string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.orgs.models import Committee, Town
from fangkong.orgs.scoping import committees_in_scope, scope_of, towns_in_scope

from . import queries
from .dashboard import (
    STATUS_GROUPS,
    STATUSES,
    DashScope,
    Figures,
    chart_data,
    dashboard,
    parse_hour,
)
from .models import BookingStatus, Round

POLL_SECONDS = 15


@dataclass
class Cell:
    text: str
    href: str = ""
    cls: str = ""  # "sel" marks the column the previous level's click selected
    link_cls: str = ""


@dataclass
class Row:
    label: str
    link: str  # the next level down; cells append ?status=… / ?hour=…
    figures: Figures
    name_link: str = ""
    cells: list[Cell] = field(default_factory=list)

    def build_cells(self, selected: str, hour_key: str) -> None:
        """The table's cells, built here once rather than by template lookups (36 towns × 16)."""
        f, link = self.figures, self.link

        def cell(n: int, query: str, key: str = "", link_cls: str = "") -> Cell:
            return Cell(str(n), f"{link}?{query}" if n else "", "sel" if key and key == selected else "", link_cls)

        self.cells = [cell(f.booked, "status=")]
        self.cells += [cell(f.counts[s], f"status={s}", s) for s in STATUSES]
        self.cells.append(cell(f.backlog, "status=backlog", "backlog"))
        self.cells.append(cell(f.overdue, "status=pending&overdue=1", "overdue", "badge badge-overdue"))
        self.cells.append(Cell(f.redemption_pct, f"{link}?status=redeemed" if f.pickup else ""))
        quota = _("不限") if f.quota is None else str(f.quota)
        self.cells.append(Cell(f"{f.taken} / {quota}", f"{link}?status=taken" if f.taken else "", "sel" if selected == "taken" else ""))
        if f.hour is not None:  # the selected hour's column
            self.cells.append(Cell(str(f.hour), f"{link}?status=&hour={hour_key}" if f.hour else "", "sel"))


def _round_or_404(request: HttpRequest, round_id: int) -> Round:
    round_ = queries.rounds_for_staff(request.user).filter(pk=round_id).first()
    if round_ is None:
        raise Http404(_("没有找到该轮次"))
    return round_


def _selected(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    if request.GET.get("overdue") == "1":
        return "overdue"
    return status if status in STATUSES or status in STATUS_GROUPS else ""


def _render(
    request: HttpRequest, round_: Round, *, level: str, scope: DashScope, title: str, crumbs: list[tuple[str, str]],
    rows_for: Any = None, list_link: str = "",
) -> HttpResponse:
    hour = parse_hour(request.GET.get("hour", ""))
    board = dashboard(scope, hour=hour)
    rows: list[Row] = rows_for(board) if rows_for else []
    selected, hour_key = _selected(request), hour.strftime("%Y-%m-%dT%H") if hour else ""
    for row in rows:
        row.build_cells(selected, hour_key)
    context = {
        "round": round_,
        "level": level,
        "title": title,
        "crumbs": crumbs,
        "board": board,
        "rows": rows,
        "list_link": list_link,  # committee level: its booking list; else "" (this page, ?status=…)
        "town_id": scope.town_id,
        "selected_hour_key": hour_key,
        "selected": selected,
        "poll_seconds": POLL_SECONDS,
        "poll_url": request.get_full_path(),
        "statuses": [(s, str(BookingStatus(s).label)) for s in STATUSES],
        "chart": chart_data(board, [(row.label, row.figures) for row in rows]),
    }
    context["stock_total"], context["stock_lines"] = _stock(round_, scope)
    template = "desk/_partials/dashboard_body.html" if request.htmx else "desk/dashboard.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@never_cache
def round_dashboard(request: HttpRequest, round_id: int) -> HttpResponse:
    """The user's own level: the district's towns, the town's committees, or the committee."""
    round_ = _round_or_404(request, round_id)
    scope = scope_of(request.user)
    if scope.level == "district" and scope.district_id is not None:
        return _district(request, round_, scope.district_id)
    if scope.level == "town" and scope.town_id is not None:
        return _town(request, round_, Town.objects.get(pk=scope.town_id), from_district=False)
    if scope.level == "committee" and scope.committee_id is not None:
        return _committee(request, round_, Committee.objects.select_related("town").get(pk=scope.committee_id))
    raise Http404(_("您的账号没有可查看的范围"))


@login_required
@never_cache
def town_dashboard(request: HttpRequest, round_id: int, town_id: int) -> HttpResponse:
    round_ = _round_or_404(request, round_id)
    scope = scope_of(request.user)
    town = towns_in_scope(request.user).filter(pk=town_id).first()
    if town is None or (round_.town_id is not None and round_.town_id != town.pk):
        raise Http404(_("没有找到该街镇"))
    return _town(request, round_, town, from_district=scope.level == "district")


@login_required
@never_cache
def committee_dashboard(request: HttpRequest, round_id: int, committee_id: int) -> HttpResponse:
    round_ = _round_or_404(request, round_id)
    committee = committees_in_scope(request.user).filter(pk=committee_id).first()
    if committee is None or (round_.town_id is not None and round_.town_id != committee.town_id):
        raise Http404(_("没有找到该居委会"))
    return _committee(request, round_, committee)


def _district(request: HttpRequest, round_: Round, district_id: int) -> HttpResponse:
    towns = list(Town.objects.filter(district_id=district_id).order_by("code"))
    if round_.town_id is not None:
        towns = [t for t in towns if t.pk == round_.town_id]

    def rows_for(board: Any) -> list[Row]:
        per_town = board.groups
        rows = []
        for town in towns:
            link = reverse("desk:dashboard_town", args=[round_.pk, town.pk])
            rows.append(Row(town.name, link, per_town.get(town.pk) or _empty(board), name_link=link))
        return rows

    return _render(
        request, round_, level="district", scope=DashScope(round_), title=_("全区"),
        crumbs=[], rows_for=rows_for,
    )


def _town(request: HttpRequest, round_: Round, town: Town, *, from_district: bool) -> HttpResponse:
    committees = list(Committee.objects.filter(town=town).order_by("code"))

    def rows_for(board: Any) -> list[Row]:
        per_committee = board.groups
        rows = []
        if None in per_committee and per_committee[None].booked:
            link = reverse("desk:committee", args=[round_.pk, 0])
            rows.append(Row(_("地址待核实"), link, per_committee[None], name_link=link))
        for committee in committees:
            link = reverse("desk:committee", args=[round_.pk, committee.pk])
            rows.append(Row(committee.name, link, per_committee.get(committee.pk) or _empty(board),
                            name_link=reverse("desk:dashboard_committee", args=[round_.pk, committee.pk])))
        return rows

    crumbs = [(_("全区"), reverse("desk:dashboard", args=[round_.pk]))] if from_district else []
    return _render(
        request, round_, level="town", scope=DashScope(round_, town_id=town.pk), title=town.name,
        crumbs=crumbs, rows_for=rows_for,
    )


def _committee(request: HttpRequest, round_: Round, committee: Committee) -> HttpResponse:
    scope = scope_of(request.user)
    crumbs = []
    if scope.level == "district":
        crumbs.append((_("全区"), reverse("desk:dashboard", args=[round_.pk])))
    if scope.level in ("district", "town"):
        crumbs.append((committee.town.name, reverse("desk:dashboard_town", args=[round_.pk, committee.town_id])))
    return _render(
        request, round_, level="committee", scope=DashScope(round_, committee_id=committee.pk), title=committee.name,
        crumbs=crumbs, list_link=reverse("desk:committee", args=[round_.pk, committee.pk]),
    )


def _stock(round_: Round, scope: DashScope) -> tuple[Any, list[Any]]:
    """Pickup stock beside the bookings (the pickup app owns the figures)."""
    from fangkong.pickup.queries import dashboard_stock

    total, lines = dashboard_stock(round_, town_id=scope.town_id, committee_id=scope.committee_id)
    for line in lines:  # the district's lines are towns: drill down to the town's points
        if line.town_id is not None:
            line.link = reverse("desk:dashboard_town", args=[round_.pk, line.town_id]) + "#stock"
    return total, lines


def _empty(board: Any) -> Figures:
    """A row with no bookings yet (no queue in the round): zeros, no quota set."""
    return Figures(quota=None, hour=0 if board.selected_hour is not None else None)

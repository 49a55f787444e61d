"""Reading active days: DAU per day (last 30 days) overall, per module and per unit below the scope.

A fixed number of grouped queries whatever the number of towns or committees; the per-day
series are filled in Python so days without anyone active show as 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.orgs.models import Committee, Town

from .models import Module, UserDay

DAYS = 30


@dataclass
class Line:
    """One row of a table: a module, a town or a committee."""

    key: Any
    label: str
    series: list[int]  # distinct active users per day, oldest first
    users: int = 0  # distinct users over the period
    hits: int = 0
    link: str = ""

    @property
    def today(self) -> int:
        return self.series[-1] if self.series else 0

    @property
    def yesterday(self) -> int:
        return self.series[-2] if len(self.series) > 1 else 0

    @property
    def avg7(self) -> float:
        week = self.series[-7:]
        return round(sum(week) / len(week), 1) if week else 0.0


@dataclass
class Board:
    days: list[date]
    total: Line
    modules: list[Line] = field(default_factory=list)
    units: list[Line] = field(default_factory=list)
    unit_level: str = "town"  # the rows below the scope: "town" or "committee"

    def chart(self) -> dict[str, Any]:
        units = sorted((u for u in self.units if u.users), key=lambda u: (-u.today, -u.avg7, u.label))[:20]
        return {
            "days": [d.strftime("%m-%d") for d in self.days],
            "total": {"name": self.total.label, "data": self.total.series},
            "modules": [{"name": m.label, "data": m.series} for m in self.modules if m.users],
            "units": {"labels": [u.label for u in units], "today": [u.today for u in units], "avg7": [u.avg7 for u in units]},
        }


def _series(days: list[date], counts: dict[date, int]) -> list[int]:
    return [counts.get(d, 0) for d in days]


def activity_board(*, district_id: int, town_id: int | None = None, today: date | None = None) -> Board:
    """The district's towns, or one town's committees; rows with no activity are still listed."""
    today = today or timezone.localdate()
    days = [today - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
    base = UserDay.objects.filter(district_id=district_id, day__gte=days[0], day__lte=today)
    if town_id is not None:
        base = base.filter(town_id=town_id)
    unit_field = "town_id" if town_id is None else "committee_id"
    distinct = Count("user_id", distinct=True)

    per_day = {r["day"]: r["n"] for r in base.values("day").annotate(n=distinct)}
    totals = base.aggregate(users=distinct, hits=Sum("hits"))
    total = Line("all", _("全部"), _series(days, per_day), totals["users"] or 0, totals["hits"] or 0)

    module_days: dict[str, dict[date, int]] = defaultdict(dict)
    for r in base.values("module", "day").annotate(n=distinct):
        module_days[r["module"]][r["day"]] = r["n"]
    module_totals: dict[str, dict[str, Any]] = {
        r["module"]: dict(r) for r in base.values("module").annotate(users=distinct, hits=Sum("hits"))
    }
    modules = [
        Line(m.value, str(m.label), _series(days, module_days.get(m.value, {})),
             module_totals.get(m.value, {}).get("users", 0), module_totals.get(m.value, {}).get("hits", 0) or 0)
        for m in Module
    ]

    unit_days: dict[int | None, dict[date, int]] = defaultdict(dict)
    for r in base.values(unit_field, "day").annotate(n=distinct):
        unit_days[r[unit_field]][r["day"]] = r["n"]
    unit_totals: dict[int | None, dict[str, Any]] = {
        r[unit_field]: r for r in base.values(unit_field).annotate(users=distinct, hits=Sum("hits"))
    }
    names: list[tuple[int | None, str]]
    if town_id is None:
        names = list(Town.objects.filter(district_id=district_id).order_by("code").values_list("pk", "name"))
    else:
        names = list(Committee.objects.filter(town_id=town_id).order_by("code").values_list("pk", "name"))
    if None in unit_totals:  # town-level staff (no committee) or district staff (no town)
        names.append((None, _("街镇本级") if town_id is not None else _("区级")))
    units = [
        Line(pk, name, _series(days, unit_days.get(pk, {})), unit_totals.get(pk, {}).get("users", 0),
             unit_totals.get(pk, {}).get("hits", 0) or 0)
        for pk, name in names
    ]
    return Board(days, total, modules, units, "town" if town_id is None else "committee")

"""Reads of the pickup app: a clerk's view of a voucher, points and stock for desks and the public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangkong.booking.models import Round, RoundStatus

from .codes import code_from_token, normalize_code
from .models import PickupPoint, PickupStock, Voucher


@dataclass
class ClerkLookup:
    voucher: Voucher | None = None
    error: str = ""
    status: int = 200


def voucher_for_clerk(user: Any, *, code: str = "", token: str = "") -> ClerkLookup:
    """Find the voucher a clerk scanned or typed. Only vouchers of the towns the clerk's points
    are in are found at all; the redeem checks (point, window, status) come later."""
    if token:
        found = code_from_token(token)
        if found is None:
            return ClerkLookup(error=_("二维码无效：凭证被篡改或不是本系统签发的。请让居民出示短信中的领取码。"), status=400)
    else:
        found = normalize_code(code)
        if not found:
            return ClerkLookup(error=_("领取码应为8位字母或数字（不含0、1、I、L、O），请核对后重新输入。"), status=422)
    towns = PickupPoint.objects.for_clerk(user).values("town_id")
    voucher = (Voucher.objects.select_related("booking__round__goods", "point", "redeemed_point")
               .filter(code=found, point__town_id__in=towns).first())
    if voucher is None:
        return ClerkLookup(error=_("没有找到领取码 {code} 的凭证。").format(code=f"{found[:4]} {found[4:]}"), status=404)
    return ClerkLookup(voucher=voucher)


def voucher_by_token(token: str) -> Voucher | None:
    code = code_from_token(token)
    if code is None:
        return None
    return Voucher.objects.select_related("booking__round__goods", "point", "redeemed_point").filter(code=code).first()


def points_managed_by(user: Any) -> QuerySet[PickupPoint]:
    """The points a town officer (her town) or the district manages, with their clerks."""
    from django.contrib.auth import get_user_model
    from django.db.models import Prefetch

    clerks = get_user_model().objects.order_by("display_name", "pk")
    return (PickupPoint.objects.visible_to(user).select_related("town", "committee")
            .prefetch_related(Prefetch("clerks", queryset=clerks)).order_by("town__code", "name"))


def public_rounds() -> QuerySet[Round]:
    return Round.objects.filter(status=RoundStatus.OPEN).select_related("goods").order_by("-opens_at", "pk")


def public_stock(*, town_code: str = "") -> QuerySet[PickupStock]:
    """Stock of active points for open rounds, for /stock/ and /api/v1/stock (no personal data)."""
    stocks = (PickupStock.objects.filter(round__status=RoundStatus.OPEN, point__active=True)
              .select_related("point__town", "round__goods").order_by("point__town__code", "point__name", "round_id"))
    if town_code:
        stocks = stocks.filter(point__town__code=town_code)
    return stocks


@dataclass
class StockLine:
    """Stock of a round summed over some points: a town's (district view) or one point's."""

    label: str
    quantity: int = 0
    issued: int = 0
    redeemed: int = 0
    link: str = ""
    detail: str = ""
    town_id: int | None = None  # the district's lines are towns

    @property
    def remaining(self) -> int:
        """On the shelf: not yet handed out."""
        return self.quantity - self.redeemed

    @property
    def available(self) -> int:
        """Not yet promised to a voucher."""
        return self.quantity - self.issued


def dashboard_stock(round_: Round, *, town_id: int | None = None,
                    committee_id: int | None = None) -> tuple[StockLine, list[StockLine]]:
    """The dashboards' stock: per town for the district, per point for a town, and for a
    committee the points its vouchers send residents to (plus its own office). One grouped
    query; stock holds no personal data, so the dashboard's scope is the only filter."""
    from django.db.models import Q, Sum

    stocks = PickupStock.objects.filter(round=round_)
    if committee_id is not None:
        sent_to = Voucher.objects.filter(booking__round=round_, booking__committee_id=committee_id).values("point_id")
        stocks = stocks.filter(Q(point__committee_id=committee_id) | Q(point_id__in=sent_to))
    elif town_id is not None:
        stocks = stocks.filter(point__town_id=town_id)
    lines: list[StockLine] = []
    if committee_id is None and town_id is None:
        per_town = (stocks.values("point__town_id", "point__town__name")
                    .annotate(q=Sum("quantity"), i=Sum("issued"), r=Sum("redeemed")).order_by("point__town__code"))
        for row in per_town:
            lines.append(StockLine(row["point__town__name"], row["q"] or 0, row["i"] or 0, row["r"] or 0,
                                   town_id=row["point__town_id"]))
    else:
        per_point = (stocks.values("point__name", "point__address", "point__kind")
                     .annotate(q=Sum("quantity"), i=Sum("issued"), r=Sum("redeemed")).order_by("point__kind", "point__name"))
        for point_row in per_point:
            lines.append(StockLine(point_row["point__name"], point_row["q"] or 0, point_row["i"] or 0,
                                   point_row["r"] or 0, detail=point_row["point__address"]))
    total = StockLine(_("合计"), sum(x.quantity for x in lines), sum(x.issued for x in lines),
                      sum(x.redeemed for x in lines))
    return total, lines

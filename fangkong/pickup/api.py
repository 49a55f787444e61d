"""``GET /api/v1/stock``: remaining stock per pickup point for open rounds (open data, no login).

Like the mask-stock feeds Taiwan (健保特約藥局口罩剩餘數量) and Korea (공적 마스크) published in
2020: one row per point and round, with the point's address, hours and coordinates.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema

from .queries import public_stock

router = Router(tags=["领取点库存"])


class StockRow(Schema):
    point_id: int
    point: str
    kind: str
    town: str
    address: str
    opening_hours: str
    phone: str
    lng: Decimal | None
    lat: Decimal | None
    round_id: int
    round: str
    goods: str
    unit: str
    quantity: int
    redeemed: int
    remaining: int
    updated_at: datetime


@router.get("/stock", response=list[StockRow], summary="各领取点剩余库存（公开数据）")
def stock(request: HttpRequest, town: str = "") -> list[StockRow]:
    """预约中轮次的各领取点库存：总量、已领取、剩余（= 总量 − 已领取）与更新时间。``town``：街镇代码（如 T04）。"""
    return [
        StockRow(
            point_id=s.point_id, point=s.point.name, kind=s.point.get_kind_display(), town=s.point.town.name,
            address=s.point.address, opening_hours=s.point.opening_hours, phone=s.point.phone,
            lng=s.point.lng, lat=s.point.lat, round_id=s.round_id, round=s.round.name, goods=s.round.goods.name,
            unit=s.round.goods.unit, quantity=s.quantity, redeemed=s.redeemed, remaining=s.remaining,
            updated_at=s.updated_at,
        )
        for s in public_stock(town_code=town)
    ]

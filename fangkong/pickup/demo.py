"""Demo pickup data: each demo town's committee offices, three pharmacies in 周家渡街道 (the demo
``clerk`` works at 益丰大药房), stock for the open round, and a few vouchers issued through the
real approval (some redeemed) so every page has something to show.

The demo vouchers' windows are moved to start now, so the clerk can try them the same day
(a real approval's window opens the next working day).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.booking.models import Booking, BookingStatus, Round
from fangkong.orgs.models import Committee, Town, User

from .models import PickupPoint, PickupStock, PointKind, Voucher

DEMO_TOWNS = ("T04", "T01", "T13", "T31")
PHARMACIES = [
    ("益丰大药房（齐河路店）", "浦东新区齐河路 188 号", "每天 8:00-21:00", "021-58830001", 3000),
    ("雷允上药房（上南路店）", "浦东新区上南路 3855 号", "每天 8:30-20:30", "021-58830002", 800),
    ("第一医药（周家渡店）", "浦东新区昌里路 366 号", "每天 9:00-20:00", "021-58830003", 600),
]
OFFICE_STOCK = 20  # 4 vouchers of 5 masks: later approvals of a committee go to the pharmacies


def setup_pickup_demo(round_: Round, *, log: Any = print) -> None:
    if PickupPoint.objects.filter(town__code="T04").exists():
        return
    with transaction.atomic():
        offices = [
            PickupPoint(district_id=c.district_id, town_id=c.town_id, committee=c, name=f"{c.name}居委会",
                        kind=PointKind.COMMITTEE_OFFICE, address=f"{c.town.name}{c.name}居委会办公室",
                        opening_hours="工作日 9:00-17:00")
            for c in Committee.objects.filter(town__code__in=DEMO_TOWNS).select_related("town").order_by("code")
        ]
        PickupPoint.objects.bulk_create(offices)
        town = Town.objects.get(code="T04")
        pharmacies = [
            PickupPoint.objects.create(district_id=town.district_id, town=town, name=name, kind=PointKind.PHARMACY,
                                       address=address, opening_hours=hours, phone=phone)
            for name, address, hours, phone, _stock in PHARMACIES
        ]
        clerk = User.objects.filter(username="clerk").first()
        if clerk is not None:
            pharmacies[0].clerks.add(clerk)
        PickupStock.objects.bulk_create(
            [PickupStock(round=round_, point=p, quantity=OFFICE_STOCK) for p in PickupPoint.objects.filter(kind=PointKind.COMMITTEE_OFFICE)]
            + [PickupStock(round=round_, point=p, quantity=spec[4]) for p, spec in zip(pharmacies, PHARMACIES, strict=True)]
        )
    log(f"领取点：{len(offices)} 个居委会办公室，{len(pharmacies)} 家药房（店员 clerk 在 {pharmacies[0].name}）")
    _demo_vouchers(round_, clerk, pharmacies[0], log=log)


def _demo_vouchers(round_: Round, clerk: User | None, pharmacy: PickupPoint, *, log: Any) -> None:
    from fangkong.booking.workflow import TransitionError, booking_approve

    from .services import voucher_redeem

    worker = User.objects.filter(username="qihe2").first()
    if worker is None:
        return
    pending = list(Booking.objects.filter(round=round_, committee__code="T04C027", status=BookingStatus.PENDING)
                   .order_by("seq").values_list("pk", flat=True)[:10])
    for pk in pending:
        try:
            booking_approve(actor=worker, booking_id=pk)
        except TransitionError:
            continue
    now = timezone.now()
    Voucher.objects.filter(booking__round=round_).update(window_start=now - timedelta(hours=1))
    redeemed = 0
    if clerk is not None:
        for voucher in Voucher.objects.filter(point=pharmacy, booking__round=round_).order_by("pk")[:3]:
            voucher_redeem(actor=clerk, voucher_id=voucher.pk, point_id=pharmacy.pk)
            redeemed += 1
    log(f"演示凭证：{Voucher.objects.filter(booking__round=round_).count()} 张（其中 {redeemed} 张已领取）")

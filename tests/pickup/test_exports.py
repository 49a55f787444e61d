"""领取名单 lists the voucher: code, point, when and where it was redeemed (masked as the others)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.pickup.models import Voucher
from fangkong.pickup.services import voucher_redeem

pytestmark = pytest.mark.django_db


def test_redemption_list_has_the_voucher_columns(client, worker, clerk, open_round, approved, pharmacy) -> None:  # type: ignore[no-untyped-def]
    voucher = Voucher.objects.get(booking=approved)
    voucher_redeem(actor=clerk, voucher_id=voucher.pk, point_id=pharmacy.pk, now=voucher.window_start)
    client.force_login(worker)
    response = client.post(reverse("desk:round_export", args=[open_round.pk, "redeemed"]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    header = [c.value for c in sheet[1]]
    assert header[-4:] == ["领取码", "领取点", "领取时间", "实际领取点"]
    row = [c.value for c in sheet[2]]
    assert row[1] == approved.booking_no and row[2] == "王**"
    assert row[-4] == voucher.code and row[-3] == pharmacy.name and row[-1] == pharmacy.name
    assert row[-2] == f"{timezone.localtime(voucher.window_start):%Y-%m-%d %H:%M}"  # local time, as the other times

"""Supplies personas: 齐河第二社区 (T04C027) asks 周家渡街道 (T04), which asks the district;
上南一村 (T04C001) is the neighbouring committee, 上钢新村街道 (T01) another town."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def items(db: Any) -> dict[str, Any]:
    from fangkong.supplies.models import Item

    # The catalogue comes from a data migration; a transactional test's flush removes it.
    for sort, (name, unit) in enumerate([("口罩", "只"), ("防护服", "套"), ("消毒液", "升")], start=1):
        Item.objects.get_or_create(name=name, defaults={"unit": unit, "sort": sort})
    return {i.name: i for i in Item.objects.all()}


@pytest.fixture
def masks_item(items: dict[str, Any]) -> Any:
    return items["口罩"]


@pytest.fixture
def suits(items: dict[str, Any]) -> Any:
    return items["防护服"]


@pytest.fixture
def worker_with_phone(worker: Any) -> Any:
    worker.phone = "13900001111"
    worker.save(update_fields=["phone"])
    return worker


@pytest.fixture
def committee_request(worker_with_phone: Any, masks_item: Any, suits: Any) -> Any:
    from fangkong.supplies.services import request_create

    return request_create(actor=worker_with_phone, quantities={masks_item: 500, suits: 20}, urgency="urgent",
                          reason="本周核酸采样点缺口罩")


@pytest.fixture
def town_stocked(town_officer: Any, masks_item: Any, suits: Any) -> Any:
    from fangkong.supplies.services import stock_add

    stock_add(actor=town_officer, item=masks_item, quantity=1000)
    stock_add(actor=town_officer, item=suits, quantity=10)
    return town_officer

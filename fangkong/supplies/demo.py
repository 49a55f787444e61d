"""Demo data of supplies: stock at the district and 周家渡街道, and one request of 齐河第二社区
in each state a reviewer wants to click through (待审批, 已批准待发, 已发出, 已签收 with a shortfall).

Called from ``manage.py setup_demo``; idempotent (skips when the district already has stock moves),
and everything goes through the services, so the ledger and audit log are as in real use.
"""

from __future__ import annotations

from collections.abc import Callable

from fangkong.orgs.models import User

from .models import Item, StockMove
from .services import request_commit, request_create, request_receive, request_send, stock_add


def setup_supplies_demo(*, log: Callable[[str], object] = print) -> None:
    district = User.objects.filter(username="district").first()
    town = User.objects.filter(username="zhoujiadu").first()
    worker = User.objects.filter(username="qihe2").first()
    if not (district and town and worker) or StockMove.objects.filter(district=district.district).exists():
        return
    items = {i.name: i for i in Item.objects.all()}
    masks, suits, disinfectant = items["口罩"], items["防护服"], items["消毒液"]
    for item, n in ((masks, 200_000), (suits, 5_000), (disinfectant, 2_000)):
        stock_add(actor=district, item=item, quantity=n, note="市里调拨")
    for item, n in ((masks, 3_000), (suits, 40)):
        stock_add(actor=town, item=item, quantity=n, note="区里首批配发")

    def ask(quantities: dict[Item, int], reason: str, urgency: str = "normal"):  # type: ignore[no-untyped-def]
        return request_create(actor=worker, quantities=quantities, urgency=urgency, reason=reason)

    done = ask({masks: 1_000, suits: 20}, "齐河路核酸采样点第一周用量")
    request_commit(actor=town, request=done, approved={})
    request_send(actor=town, request=done, sent={})
    request_receive(actor=worker, request=done, received={masks.pk: 980}, note="一箱受潮")
    sent = ask({masks: 500}, "楼组长入户发放")
    request_commit(actor=town, request=sent, approved={})
    request_send(actor=town, request=sent, sent={})
    committed = ask({suits: 60, disinfectant: 50}, "隔离楼栋消杀", urgency="urgent")
    request_commit(actor=town, request=committed, approved={}, forward=True)  # the town lacks 40 suits and all disinfectant
    ask({masks: 2_000}, "下周采样点备用")
    log("物资：区、周家渡街道库存，齐河第二社区 4 个申请（含转报区级 1 个）")

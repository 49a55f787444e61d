"""The public lottery page of a round: seed, algorithm, a snippet to re-run it, winners, CSV."""

from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .allocation import LOTTERY_SNIPPET, lottery_csv_rows, lottery_results
from .models import Allocation, Round
from .queries import rounds_public


def _lottery_round(round_id: int) -> Round:
    round_ = rounds_public().filter(pk=round_id, allocation=Allocation.LOTTERY).first()
    if round_ is None:
        raise Http404(_("没有找到该摇号轮次"))
    return round_


def lottery_page(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _lottery_round(round_id)
    return render(
        request,
        "booking/round_lottery.html",
        {
            "round": round_,
            "snippet": LOTTERY_SNIPPET,
            "units": lottery_results(round_) if round_.status == "allocated" else [],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def lottery_csv(request: HttpRequest, round_id: int) -> HttpResponseBase:
    round_ = _lottery_round(round_id)
    if round_.status != "allocated":
        raise Http404(_("本轮尚未摇号"))
    writer = csv.writer(_Echo())

    def lines():  # type: ignore[no-untyped-def]
        yield writer.writerow(["booking_no", "rank", "won"])
        for row in lottery_csv_rows(round_):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lottery-round-{round_.pk}.csv"'
    return response

"""Address search API (owned by the addresses app): ``GET /api/v1/addresses/search?q=``.

A public contract (booking page, future WeChat mini-program): field names do not change.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Field, Query, Router, Schema, Status

from .models import StandardAddress
from .queries import MAX_QUERY_LENGTH, search_addresses

router = Router(tags=["地址"])

SEARCH_LIMIT = 20


class AddressOut(Schema):
    address_id: str = Field(description="地址编码（标准地址库的房屋编号）")
    label: str = Field(description="地址全称，弄式地址后附小区名")
    committee_code: str = Field(description="所属居村委代码")
    committee: str = Field(description="所属居村委")
    town: str = Field(description="所属街镇")

    @staticmethod
    def resolve_label(obj: StandardAddress) -> str:
        return obj.display_label

    @staticmethod
    def resolve_committee_code(obj: StandardAddress) -> str:
        return obj.committee.code

    @staticmethod
    def resolve_committee(obj: StandardAddress) -> str:
        return obj.committee.name

    @staticmethod
    def resolve_town(obj: StandardAddress) -> str:
        return obj.town.name


class ErrorsOut(Schema):
    errors: dict[str, list[str]]


@router.get(
    "/search",
    response={200: list[AddressOut], 422: ErrorsOut, 429: ErrorsOut},
    summary="标准地址联想检索",
    description=(
        "边输入边检索标准地址（房屋）。可输入“路名+弄号+号+室”（如 上南路3855弄12号302）"
        "或“小区名+楼号+室号”（如 齐河柏公寓1号楼101、齐河柏公寓1-101）；"
        "全角数字、“上海市浦东新区”等前缀、空格和“室”均可。最多返回 20 条，最匹配的在前；"
        f"检索词为空或过短时返回空列表，超过 {MAX_QUERY_LENGTH} 个字符返回 422。"
    ),
)
def address_search(
    request: HttpRequest,
    q: str = Query("", description=f"检索词，最多 {MAX_QUERY_LENGTH} 个字符"),  # noqa: B008
) -> list[StandardAddress] | Status[dict[str, dict[str, list[str]]]]:
    # Generous: typing fires a request per pause, and a committee office shares one IP.
    if is_ratelimited(request, group="address-search", key="ip", rate="600/m", increment=True):
        return Status(429, {"errors": {"__all__": [_("请求过于频繁，请稍后再试。")]}})
    if len(q) > MAX_QUERY_LENGTH:
        return Status(422, {"errors": {"q": [_("检索词过长，最多 {count} 个字符。").format(count=MAX_QUERY_LENGTH)]}})
    return search_addresses(q, limit=SEARCH_LIMIT)

"""The JSON API (/api/v1/), shared by the mobile page and a future WeChat mini-program."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Fangkong 防控 API",
    version="1",
    description="居民预约、地址检索与预约查询接口。所有错误信息为中文。",
    urls_namespace="api",
)

from fangkong.addresses.api import router as addresses_router  # noqa: E402

api.add_router("/addresses", addresses_router)

"""The JSON API (/api/v1/), shared by the mobile page and a future WeChat mini-program.

Errors are always ``{"errors": {"field": ["中文说明", ...]}}`` (in Chinese unless the
client asks for English with ``Accept-Language: en``); the OpenAPI document is served
at /api/v1/openapi.json and browsable at /api/v1/docs (self-hosted Swagger UI).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from fangkong.addresses.api import router as addresses_router
from fangkong.booking.api import router as booking_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese stays readable (and shorter) instead of \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="Fangkong 防控 API",
    version="1",
    description="居民预约、地址检索与预约查询接口。错误信息默认为中文；请求头 Accept-Language: en 时为英文。",
    urls_namespace="api",
)

_TYPE_MESSAGES = {
    "missing": gettext_lazy("缺少此项。"),
    "string_type": gettext_lazy("应为文本。"),
    "int_type": gettext_lazy("应为整数。"),
    "int_parsing": gettext_lazy("应为整数。"),
    "bool_type": gettext_lazy("应为是或否（true/false）。"),
    "bool_parsing": gettext_lazy("应为是或否（true/false）。"),
    "list_type": gettext_lazy("应为列表。"),
    "model_attributes_type": gettext_lazy("应为对象。"),
    "dict_type": gettext_lazy("应为对象。"),
    "json_invalid": gettext_lazy("请求内容不是有效的 JSON。"),
}


@api.exception_handler(ValidationError)
def validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query")]
        field = loc[0] if loc else "__all__"
        message = _TYPE_MESSAGES.get(error.get("type", ""))
        errors.setdefault(field, []).append(str(message) if message is not None else _("格式不正确。"))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"errors": {"__all__": [_("请先登录。")]}}, status=401)


api.add_router("/addresses", addresses_router)
api.add_router("", booking_router)
api.add_router("", "fangkong.pickup.api.router")
api.add_router("", "fangkong.office.api.router")

"""Office API for the recipients' phone page: ``POST /api/v1/office/receipts/{id}/ack`` (收到).

Signed in with the office session (the same cookie as the pages; CSRF token in the
``X-CSRFToken`` header, as for any cookie-authenticated POST). A receipt that is not the
caller's is 404, like on the pages.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from fangkong.core.errors import UserError

from .directives import receipt_acknowledge_own

router = Router(tags=["协同办公"])


class AckOut(Schema):
    receipt_id: int
    acknowledged: bool
    acknowledged_now: bool  # false: it already was (a second tap, another device)
    read_at: datetime | None
    acknowledged_at: datetime | None


class Errors(Schema):
    errors: dict[str, list[str]]


@router.post(
    "/office/receipts/{receipt_id}/ack",
    auth=django_auth,
    response={200: AckOut, 422: Errors},
    summary="确认收到通知（收到）",
)
def acknowledge(request: HttpRequest, receipt_id: int):  # type: ignore[no-untyped-def]
    """本人的通知回执确认收到；重复提交返回同样结果（acknowledged_now 为 false）。"""
    try:
        result = receipt_acknowledge_own(actor=request.user, receipt_id=receipt_id)
    except UserError as exc:
        return Status(422, {"errors": {exc.field: [exc.message]}})
    if result is None:
        raise Http404
    return Status(200, {
        "receipt_id": result.receipt_id,
        "acknowledged": result.acknowledged_at is not None,
        "acknowledged_now": result.done,
        "read_at": result.read_at,
        "acknowledged_at": result.acknowledged_at,
    })

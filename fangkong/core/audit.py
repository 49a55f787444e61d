"""Writing the audit log. Every unmasking, export and state change goes through ``audit_log``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_log(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    district_id: int | None = None,
    town_id: int | None = None,
    committee_id: int | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_label=(str(actor) if authenticated else "居民/匿名")[:64],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        district_id=district_id,
        town_id=town_id,
        committee_id=committee_id,
        ip=client_ip(request),
        detail=detail or {},
    )

"""Each role is a Django group holding that role's permissions; staff_create puts users in it."""

from __future__ import annotations

from typing import Any

from .models import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DISTRICT_OFFICER: ["orgs.unmask_personal_data", "orgs.view_audit_log", "orgs.manage_rounds"],
    Role.TOWN_OFFICER: ["orgs.unmask_personal_data", "orgs.manage_rounds"],
    Role.COMMITTEE_WORKER: ["orgs.unmask_personal_data"],
    Role.PICKUP_CLERK: [],
    Role.SYSTEM_ADMIN: ["orgs.view_audit_log", "orgs.manage_rounds"],
    Role.OFFICE_MEMBER: [],
}


def sync_role_groups(**kwargs: Any) -> None:
    """Create or update one group per role (run after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=Role(role).label)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)

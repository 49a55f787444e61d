"""Writes to the org tree and staff accounts."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Committee, CommitteeKind, District, Role, Town, User

ORG_COLUMNS = ("town_code", "town", "committee_code", "committee", "committee_kind")


@dataclass
class OrgImportReport:
    towns_created: int = 0
    towns_updated: int = 0
    committees_created: int = 0
    committees_updated: int = 0
    errors: list[str] = field(default_factory=list)


def org_import_rows(*, district: District, rows: Iterable[dict[str, str]]) -> OrgImportReport:
    """Create or update towns and committees from rows of ``ORG_COLUMNS``. Idempotent.

    Rows with problems are reported by line number and skipped; the others are loaded.
    """
    report = OrgImportReport()
    towns: dict[str, Town] = {t.code: t for t in Town.objects.filter(district=district)}
    committees: dict[str, Committee] = {c.code: c for c in Committee.objects.filter(district=district)}
    kinds = {k.value for k in CommitteeKind}
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            values = {k: (row.get(k) or "").strip() for k in ORG_COLUMNS}
            missing = [k for k in ORG_COLUMNS[:4] if not values[k]]
            if missing:
                report.errors.append(f"第{line}行：缺少 {', '.join(missing)}")
                continue
            kind = values["committee_kind"] or CommitteeKind.RESIDENTS
            if kind not in kinds:
                report.errors.append(f"第{line}行：居村委类型“{kind}”无效，应为 居委会 或 村委会")
                continue
            town = towns.get(values["town_code"])
            if town is None:
                town = Town.objects.create(district=district, code=values["town_code"], name=values["town"])
                towns[town.code] = town
                report.towns_created += 1
            elif town.name != values["town"]:
                town.name = values["town"]
                town.save(update_fields=["name"])
                report.towns_updated += 1
            committee = committees.get(values["committee_code"])
            if committee is None:
                committee = Committee.objects.create(
                    district=district, town=town, code=values["committee_code"], name=values["committee"], kind=kind
                )
                committees[committee.code] = committee
                report.committees_created += 1
            elif (committee.name, committee.town_id, committee.kind) != (values["committee"], town.pk, kind):
                committee.name, committee.town, committee.kind = values["committee"], town, kind
                committee.save(update_fields=["name", "town", "kind"])
                report.committees_updated += 1
    return report


def org_import_csv(*, district_code: str, district_name: str, path: Path) -> OrgImportReport:
    district, _ = District.objects.get_or_create(code=district_code, defaults={"name": district_name})
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        absent = [c for c in ORG_COLUMNS[:4] if c not in (reader.fieldnames or [])]
        if absent:
            report = OrgImportReport()
            report.errors.append(f"文件缺少列：{', '.join(absent)}（需要 {','.join(ORG_COLUMNS)}）")
            return report
        return org_import_rows(district=district, rows=reader)


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    phone: str = "",
    district: District | None = None,
    town: Town | None = None,
    committee: Committee | None = None,
) -> User:
    """Create a staff account bound to one org unit; the unit's parents are filled in."""
    if committee is not None:
        town = committee.town
    if town is not None:
        district = town.district
    if role == Role.COMMITTEE_WORKER and committee is None:
        raise ValueError("居村委社工必须绑定一个居村委")
    if role == Role.TOWN_OFFICER and town is None:
        raise ValueError("街镇工作人员必须绑定一个街镇")
    if district is None:
        raise ValueError("工作人员必须绑定到组织单元")
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        role=role,
        district=district,
        town=town,
        committee=committee,
        is_staff=role == Role.SYSTEM_ADMIN,
    )
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=Role(role).label))
    return user

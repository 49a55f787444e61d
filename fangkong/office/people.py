"""People beyond staff: the XLSX import (template, per-row errors, idempotent by phone) and the
people that staff accounts are as recipients.

A staff account (district, town or committee staff) receives directives like any cadre: it gets
a ``Person`` row linked to its user (``people_sync_staff``, run before every fan-out).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.booking.identity import validate_mobile, validate_person_name
from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.orgs.models import Committee, Role, Town, User
from fangkong.orgs.scoping import scope_of

from .models import Person, Post

COLUMNS = ("姓名", "手机号", "街镇", "居村委", "岗位", "队伍/小组")
IMPORT_MAX_ROWS = 20000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
STAFF_POST = {
    Role.DISTRICT_OFFICER: Post.DISTRICT_STAFF,
    Role.TOWN_OFFICER: Post.TOWN_STAFF,
    Role.COMMITTEE_WORKER: Post.SOCIAL_WORKER,
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def import_template() -> bytes:
    """The XLSX people fill in: the header, two example rows and the allowed posts."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("人员")
    bold = book.add_format({"bold": True, "bg_color": "#eef2f6"})
    text = book.add_format({"num_format": "@"})
    for col, title in enumerate(COLUMNS):
        sheet.write_string(0, col, title, bold)
        sheet.set_column(col, col, 16, text)
    sheet.write_row(1, 0, ["王芳", "13912345678", "周家渡街道", "齐河第二社区", "书记", "第一网格"])
    sheet.write_row(2, 0, ["李强", "13812345678", "周家渡街道", "", "街镇工作人员", ""])
    sheet.data_validation(1, 4, IMPORT_MAX_ROWS, 4, {"validate": "list", "source": list(Post.values)})
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet("说明")
    lines = [
        "每行一人；手机号是唯一标识，重复导入会更新同一手机号的人员。",
        "街镇、居村委填名称或代码；居村委留空表示街镇层级人员。",
        "岗位可选：" + "、".join(Post.values),
        "导入后，有错误的行不会导入，并在页面上列出行号、列名和原因；其他行正常导入。",
    ]
    for n, line in enumerate(lines):
        notes.write_string(n, 0, line)
    book.close()
    return buffer.getvalue()


def read_xlsx_rows(fh: IO[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of the first sheet as ``(row number, {column title: text})``; the header is row 1."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(fh, read_only=True, data_only=True)
    except Exception:
        raise UserError(_("无法读取该文件，请上传用导入模板填写的 .xlsx 文件。"), field="file") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    missing = [c for c in COLUMNS[:5] if c not in header]
    if missing:
        raise UserError(_("表头缺少列：%(cols)s。请使用导入模板。") % {"cols": "、".join(missing)}, field="file")
    index = {title: header.index(title) for title in COLUMNS if title in header}
    for number, values in enumerate(rows, start=2):
        cells = {title: _cell(values, i) for title, i in index.items()}
        if any(cells.values()):
            yield number, cells
    book.close()


def _cell(values: tuple[Any, ...], i: int) -> str:
    value = values[i] if i < len(values) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Units:
    """Towns and committees by name or code, within what the importing user may write to."""

    def __init__(self, actor: Any) -> None:
        scope = scope_of(actor)
        if scope.level not in ("district", "town"):
            raise UserError(_("只有区级和街镇工作人员可以导入人员。"))
        assert scope.district_id is not None
        towns = Town.objects.filter(district_id=scope.district_id)
        if scope.level == "town" and scope.town_id is not None:
            towns = towns.filter(pk=scope.town_id)
        self.scope = scope
        self.towns: dict[str, Town] = {}
        for t in towns:
            self.towns[t.name] = self.towns[t.code] = t
        self.committees: dict[tuple[int, str], Committee] = {}
        for c in Committee.objects.filter(town__in=towns):
            self.committees[(c.town_id, c.name)] = self.committees[(c.town_id, c.code)] = c


def people_import(*, actor: Any, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportReport:
    """Create or update people by phone; rows with errors are reported and skipped."""
    units = _Units(actor)
    report = ImportReport()
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        if number - 1 > IMPORT_MAX_ROWS:
            report.errors.append(RowError(number, "", _("超过单次导入上限 %(n)s 行，其余行未导入。") % {"n": IMPORT_MAX_ROWS}))
            break
        values = _check_row(number, cells, units, report)
        if values is None:
            continue
        if values["phone"] in seen:
            report.errors.append(RowError(number, "手机号", _("与第%(row)s行的手机号重复。") % {"row": seen[values["phone"]]}))
            continue
        seen[values["phone"]] = number
        parsed.append((number, values))
    existing = {p.phone: p for p in Person.objects.filter(phone__in=list(seen))}
    now = timezone.now()
    with transaction.atomic():
        for number, values in parsed:
            person = existing.get(values["phone"])
            if person is None:
                Person.objects.create(**values, created_at=now, updated_at=now)
                report.created += 1
                continue
            if units.scope.level == "town" and person.town_id != units.scope.town_id:
                report.errors.append(RowError(number, "手机号", _("该手机号已登记在其他街镇的人员名下，请联系区级工作人员。")))
                continue
            if person.is_staff_account:
                report.errors.append(RowError(number, "手机号", _("该手机号属于工作人员账号，无需导入。")))
                continue
            changed = [k for k, v in values.items() if getattr(person, k) != v]
            if not changed:
                report.unchanged += 1
                continue
            for k in changed:
                setattr(person, k, values[k])
            person.updated_at = now
            person.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
        audit_log(
            actor=actor,
            action="office.people_import",
            object_type="person",
            district_id=units.scope.district_id,
            town_id=units.scope.town_id,
            detail={"created": report.created, "updated": report.updated, "errors": len(report.errors)},
        )
    report.errors.sort(key=lambda e: e.row)
    return report


def _check_row(number: int, cells: dict[str, str], units: _Units, report: ImportReport) -> dict[str, Any] | None:
    errors: list[RowError] = []
    values: dict[str, Any] = {}
    try:
        values["name"] = validate_person_name(cells.get("姓名", ""))
    except ValidationError as exc:
        errors.append(RowError(number, "姓名", exc.messages[0]))
    try:
        values["phone"] = validate_mobile(cells.get("手机号", ""))
    except ValidationError as exc:
        errors.append(RowError(number, "手机号", exc.messages[0]))
    town_text, committee_text = cells.get("街镇", ""), cells.get("居村委", "")
    town = units.towns.get(town_text)
    committee = None
    if not town_text:
        errors.append(RowError(number, "街镇", _("请填写街镇名称或代码。")))
    elif town is None:
        message = (
            _("只能导入本街镇的人员，“%(t)s”不在本街镇。")
            if units.scope.level == "town"
            else _("没有找到街镇“%(t)s”，请填写街镇全称或代码。")
        )
        errors.append(RowError(number, "街镇", message % {"t": town_text}))
    elif committee_text:
        committee = units.committees.get((town.pk, committee_text))
        if committee is None:
            errors.append(
                RowError(number, "居村委", _("“%(t)s”下没有居村委“%(c)s”。") % {"t": town.name, "c": committee_text})
            )
    post = cells.get("岗位", "")
    if post not in Post.values or post == Post.DISTRICT_STAFF:
        errors.append(RowError(number, "岗位", _("岗位“%(p)s”无效，应为：%(all)s。") % {
            "p": post, "all": "、".join(p for p in Post.values if p != Post.DISTRICT_STAFF)}))
    elif committee is None and post in (Post.BUILDING_LEAD,):
        errors.append(RowError(number, "岗位", _("楼组长必须属于某个居村委。")))
    team = cells.get("队伍/小组", "")
    if len(team) > 64:
        errors.append(RowError(number, "队伍/小组", _("队伍/小组不能超过64个字。")))
    if errors:
        report.errors.extend(errors)
        return None
    assert town is not None
    values.update(district_id=town.district_id, town=town, committee=committee, post=post, team=team)
    return values


def people_sync_staff(*, district_id: int) -> int:
    """Give every active staff account of the district that receives directives a Person row.

    Idempotent; links an imported person with the same phone instead of making a second one.
    """
    staff = list(
        User.objects.filter(district_id=district_id, is_active=True, role__in=list(STAFF_POST), office_person__isnull=True)
    )
    if not staff:
        return 0
    phones = {u.phone for u in staff if u.phone}
    taken = {p.phone: p for p in Person.objects.filter(phone__in=phones)}
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for user in staff:
            person = taken.get(user.phone) if user.phone else None
            if person is not None and person.user_id is None:
                Person.objects.filter(pk=person.pk).update(user=user, updated_at=now)
                continue
            Person.objects.create(
                name=user.display_name or user.username,
                phone=user.phone if user.phone and person is None else "",
                district_id=district_id,
                town_id=user.town_id,
                committee_id=user.committee_id,
                post=STAFF_POST[Role(user.role)],
                user=user,
                is_staff_account=True,
                activated_at=now,
                created_at=now,
                updated_at=now,
            )
            made += 1
    return made

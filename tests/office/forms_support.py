"""Helpers of the form-collection tests: a typical form (every field kind) and its answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.office.directives import Target
from fangkong.office.services_forms import form_publish
from fangkong.office.validation_forms import FieldSpec, parse_columns

VALID_ID = "31011519800101001X"  # check digit X
VALID_ID_2 = "110105194912310022"

FIELDS = [
    FieldSpec(label="单位名称", kind="text", required=True, prefill="unit_name"),
    FieldSpec(label="在岗人数", kind="number", required=True, options={"min": 0, "max": 500, "integer": True},
              prefill="unit_people"),
    FieldSpec(label="统计日期", kind="date", required=True),
    FieldSpec(label="是否完成核酸筛查", kind="choice", required=True, options={"choices": ["是", "否"]}),
    FieldSpec(label="已配发物资", kind="multi", options={"choices": ["口罩", "消毒液", "测温枪"]}),
    FieldSpec(label="联系人身份证号", kind="id_number"),
    FieldSpec(label="联系人手机", kind="phone", required=True),
    FieldSpec(label="协助单位", kind="org_unit"),
    FieldSpec(label="工作台账", kind="file", options={"max_mb": 1, "types": [".pdf", ".xlsx"]}),
    FieldSpec(label="重点人员", kind="table", options={"columns": parse_columns("姓名:文本:必填\n身份证号:身份证\n结果:单选(阴性|阳性)")}),
]


def publish(actor: Any, *, mode: str = "unit", target: Target | None = None, hours: int = 24,
            fields: list[FieldSpec] | None = None, title: str = "社区防控力量统计") -> Any:
    return form_publish(actor=actor, title=title, description="请各居委如实填写。", fields=fields or FIELDS,
                        target=target or Target(levels=["committees"]), mode=mode,
                        deadline=timezone.now() + timedelta(hours=hours))


def answers(**overrides: Any) -> dict[str, Any]:
    """Valid raw answers (as forms_forms.raw_answers gives them) for FIELDS."""
    raw: dict[str, Any] = {
        "f1": "齐河第二社区", "f2": "12", "f3": "2026-11-26", "f4": "是", "f5": ["口罩", "测温枪"], "f6": VALID_ID,
        "f7": "13912345678", "f8": "", "f9": None,
        "f10": [{"c1": "张三", "c2": VALID_ID_2, "c3": "阴性"}, {"c1": "", "c2": "", "c3": ""}],
    }
    raw.update(overrides)
    return raw

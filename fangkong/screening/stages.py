"""The names of a screening run's stages, for display.

The pipeline (plain Python, no Django) reports its progress with Chinese stage names, and
``services_run`` adds its own; ``ScreeningRun.stage`` stores that Chinese name as the key. Pages
translate it here, at display time, so a run started in one language reads right in the other.
A name not listed (a future pipeline step) is shown as it is.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

STAGE_LABELS: dict[str, Promise] = {
    # fangkong.screening.services_run
    "准备": _("准备"),
    # fangkong.pipeline.screening.run (its step(...) labels, in order)
    "索引标准地址": _("索引标准地址"),
    "读取参考数据": _("读取参考数据"),
    "清洗数据源": _("清洗数据源"),
    "匹配地址": _("匹配地址"),
    "关联人员": _("关联人员"),
    "执行规则": _("执行规则"),
    "写出工单": _("写出工单"),
    # fangkong.screening.services_run again
    "导入工单": _("导入工单"),
    "完成": _("完成"),
}


def stage_label(stage: str) -> str | Promise:
    """The stage's name in the active language; an unknown stage as stored."""
    return STAGE_LABELS.get(stage, stage)

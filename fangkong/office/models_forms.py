"""Form collection (智能填表): forms, their fields, who must fill them, and every version filled.

A ``FormCollection`` is announced by a directive (``directive``): the directive's targeting,
fan-out, inbox entry, read tracking and reminder log are reused as they are. From the
directive's receipts come the ``FormAssignment`` rows — one per recipient unit (a committee, or
a town's or the district's own level) or one per recipient person — each filled once; every
save appends a ``FormSubmission`` version, the assignment keeps the latest data for the results
table. Assignments copy the unit's ids (like receipts) so scoping and roll-ups never join.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet

from .models import Directive, DirectiveQuerySet, Person


class FillMode(models.TextChoices):
    UNIT = "unit", _("每个单位填一份")
    PERSON = "person", _("每人填一份")


class FieldKind(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数字")
    DATE = "date", _("日期")
    CHOICE = "choice", _("单选")
    MULTI = "multi", _("多选")
    ID_NUMBER = "id_number", _("身份证号")
    PHONE = "phone", _("手机号")
    ORG_UNIT = "org_unit", _("单位（居村委）")
    FILE = "file", _("文件")
    TABLE = "table", _("表格（多行）")


class Prefill(models.TextChoices):
    """What the system already knows about the filling unit (see services_forms.prefill_values)."""

    NONE = "", _("不预填")
    UNIT_NAME = "unit_name", _("单位名称")
    TOWN_NAME = "town_name", _("所属街镇")
    TOWN_COMMITTEES = "town_committees", _("本街镇居村委数")
    UNIT_PEOPLE = "unit_people", _("本单位协同办公人数")
    UNIT_HEAD = "unit_head", _("本单位负责人")
    UNIT_HEAD_PHONE = "unit_head_phone", _("本单位负责人手机")
    PERSON_NAME = "person_name", _("填报人姓名")
    PERSON_PHONE = "person_phone", _("填报人手机")


class FormQuerySet(DirectiveQuerySet):  # type: ignore[override]  # django-stubs: as_manager of a subclass
    """Like directives: the district sees its own; a town its own and the district's (whose
    assignments it then sees for its own units only)."""


class FormCollection(models.Model):
    directive = models.OneToOneField(Directive, on_delete=models.CASCADE, related_name="form_collection")
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("表单名称"), max_length=100)
    description = models.TextField(_("填写说明"), blank=True)
    mode = models.CharField(_("填写方式"), max_length=8, choices=FillMode.choices, default=FillMode.UNIT)
    opens_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"))
    expected = models.PositiveIntegerField(_("应填份数"), default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = FormQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("表单")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.opens_at <= timezone.now() < self.deadline

    @property
    def is_closed(self) -> bool:
        return self.deadline <= timezone.now()


class FormField(models.Model):
    """One question. ``options`` holds what the kind needs: ``choices`` (single/multiple choice),
    ``min``/``max`` (number value, text length, date, number of choices, table rows),
    ``columns`` (table: list of {key, label, kind, required, choices}), ``types``/``max_mb`` (file)."""

    form = models.ForeignKey(FormCollection, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.CharField(max_length=16)
    label = models.CharField(_("题目"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=FieldKind.choices)
    required = models.BooleanField(_("必填"), default=False)
    help_text = models.CharField(_("说明"), max_length=200, blank=True)
    options = models.JSONField(default=dict, blank=True)
    prefill = models.CharField(_("预填"), max_length=20, choices=Prefill.choices, blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "key"], name="office_formfield_key")]

    def __str__(self) -> str:
        return self.label

    @property
    def choices(self) -> list[str]:
        return list(self.options.get("choices") or [])

    @property
    def columns(self) -> list[dict[str, Any]]:
        return list(self.options.get("columns") or [])


class AssignmentQuerySet(ScopedQuerySet):
    pass


class FormAssignment(models.Model):
    """Who must fill: a unit (``person`` empty) or a person. Holds the latest data."""

    form = models.ForeignKey(FormCollection, on_delete=models.CASCADE, related_name="assignments")
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    town = models.ForeignKey(Town, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    committee = models.ForeignKey(
        Committee, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(Person, null=True, on_delete=models.CASCADE, related_name="form_assignments")
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(_("版本"), default=0)
    submitted_at = models.DateTimeField(_("首次提交"), null=True, blank=True)
    updated_at = models.DateTimeField(_("最近修改"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filler_name = models.CharField(_("填报人"), max_length=32, blank=True)
    reminded_at = models.DateTimeField(_("最近提醒"), null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("填报任务")
        constraints = [
            models.UniqueConstraint(fields=["form", "person"], condition=Q(person__isnull=False),
                                    name="office_formassign_person_once"),
        ]
        indexes = [
            models.Index(fields=["form", "town", "committee"], name="office_formassign_unit"),
            models.Index(fields=["person", "form"], name="office_formassign_person"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}@{self.town_id}/{self.committee_id}/{self.person_id}"

    @property
    def is_filled(self) -> bool:
        return self.submitted_at is not None


class FormSubmission(models.Model):
    """One saved version of an assignment's answers (the history kept across edits)."""

    assignment = models.ForeignKey(FormAssignment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filler_name = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assignment", "number"], name="office_formsub_version")]

    def __str__(self) -> str:
        return f"{self.assignment_id} v{self.number}"


def form_file_path(instance: FormFile, filename: str) -> str:
    return f"office/forms/{instance.assignment.form_id}/{instance.assignment_id}/{filename}"


class FormFile(models.Model):
    """A file answered to a file field; the submission's data names it by id."""

    assignment = models.ForeignKey(FormAssignment, on_delete=models.CASCADE, related_name="files")
    field_key = models.CharField(max_length=16)
    file = models.FileField(upload_to=form_file_path, max_length=300)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

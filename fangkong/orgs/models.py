"""The organisation tree (district → town → committee → compound) and staff accounts.

A flat tree with plain foreign keys; hot tables copy ``town_id`` for filtering.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = _("区")

    def __str__(self) -> str:
        return self.name


class Town(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="towns")
    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = _("街镇")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CommitteeKind(models.TextChoices):
    RESIDENTS = "居委会", _("居委会")
    VILLAGERS = "村委会", _("村委会")


class Committee(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="committees")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="committees")
    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=CommitteeKind.choices, default=CommitteeKind.RESIDENTS)

    class Meta:
        verbose_name = verbose_name_plural = _("居村委")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Compound(models.Model):
    """A residential compound (小区) or villagers' group; belongs to exactly one committee."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="compounds")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = _("小区")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="compound_unique_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", _("区级工作人员")
    TOWN_OFFICER = "town_officer", _("街镇工作人员")
    COMMITTEE_WORKER = "committee_worker", _("居村委社工")
    PICKUP_CLERK = "pickup_clerk", _("领取点店员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    # Cadres and volunteers who activated their phone (fangkong.office): no access to residents' data.
    OFFICE_MEMBER = "office_member", _("协同办公人员")


class User(AbstractUser):
    """A staff account, bound to exactly one org unit at the level its role implies."""

    display_name = models.CharField(_("姓名"), max_length=32, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, blank=True)
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    committee = models.ForeignKey(
        Committee, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = _("工作人员")
        permissions = [
            ("unmask_personal_data", "查看未脱敏的个人信息"),
            ("export_unmasked", "导出未脱敏的个人信息"),
            ("view_audit_log", "查看审计日志"),
            ("manage_rounds", "创建和管理预约轮次"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def org_label(self) -> str:
        if self.committee_id:
            return f"{self.town} · {self.committee}"
        if self.town_id:
            return str(self.town)
        if self.district_id:
            return str(self.district)
        return "—"


class StaffActivationCode(models.Model):
    """A one-time SMS code to activate a staff account or reset its password
    (fangkong/orgs/activation.py); only its HMAC is stored. Bound to the one account the phone
    opened when the code was sent."""

    phone = models.CharField(max_length=20, db_index=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("工作人员激活验证码")

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%H:%M}"

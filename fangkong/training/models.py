"""岗位培训: courses, their materials and quiz, and each learner's progress.

A ``Course`` is announced by a directive ("【培训】…"): targeting by level, unit, post or person,
fan-out, the inbox entry with its unread badge and the reminder log are the office's, reused.
From the directive's receipts come the ``Enrollment`` rows, one per learner, which copy the
unit's ids (like receipts) so scoping and roll-ups never join. A learner completes a course when
every material has been opened and, if the course has a quiz, a quiz attempt reached the pass mark.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.office.models import Directive, DirectiveQuerySet, Person
from fangkong.orgs.models import Committee, District, Town
from fangkong.orgs.scoping import ScopedQuerySet


class MaterialKind(models.TextChoices):
    DOCUMENT = "document", _("文档")
    VIDEO = "video", _("视频")
    LINK = "link", _("链接")


class CourseQuerySet(DirectiveQuerySet):
    """Like directives: the district sees its own; a town its own and the district's (whose
    enrollments it then sees for its own units only)."""


class Course(models.Model):
    directive = models.OneToOneField(Directive, on_delete=models.CASCADE, related_name="course")
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(Town, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("课程名称"), max_length=90)
    description = models.TextField(_("课程说明"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("及格分（百分制）"), default=0)
    deadline = models.DateTimeField(_("完成期限"), null=True, blank=True)
    assigned = models.PositiveIntegerField(_("应学人数"), default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("培训课程")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


def material_path(instance: Material, filename: str) -> str:
    return f"training/{instance.course_id}/{filename}"


class Material(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("类型"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(upload_to=material_path, max_length=300, blank=True)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """A single- or multiple-choice question; ``answer`` lists the indexes of the right choices."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("题目"), max_length=300)
    choices = models.JSONField(default=list)
    answer = models.JSONField(default=list)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def multiple(self) -> bool:
        return len(self.answer) > 1


class EnrollmentQuerySet(ScopedQuerySet):
    pass


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrollments")
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    town = models.ForeignKey(Town, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    committee = models.ForeignKey(
        Committee, null=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    opened = models.PositiveSmallIntegerField(_("已学资料数"), default=0)
    started_at = models.DateTimeField(_("开始学习"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("测验次数"), default=0)
    best_score = models.PositiveSmallIntegerField(_("最高分"), null=True, blank=True)
    passed_at = models.DateTimeField(_("测验通过"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("学习记录")
        constraints = [models.UniqueConstraint(fields=["course", "person"], name="training_enrollment_once")]
        indexes = [models.Index(fields=["course", "town", "committee"], name="training_enroll_unit")]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.person_id}"


class MaterialView(models.Model):
    """First opening of a material by a learner (later openings are not recorded)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="views")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "material"], name="training_view_once")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.material_id}"


class QuizAttempt(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "number"], name="training_attempt_number")]

    def __str__(self) -> str:
        return f"{self.enrollment_id} #{self.number}"

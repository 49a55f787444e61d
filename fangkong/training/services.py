"""Writes of 岗位培训: publish a course, open a material, take the quiz, remind the unfinished.

Publishing reuses the directive machinery whole (like office forms, fangkong/office/services_forms.py):
``directive_publish`` targets and fans out, so the course reaches every learner's inbox with an
unread badge; the enrollments are then made from the directive's receipts by one INSERT … SELECT
in the same transaction. 提醒未完成 reuses ``office.reminders.remind_receipts`` (cooldown, log,
outbox SMS); only "who is pending" differs: the recipients who have not completed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.core.audit import audit_log
from fangkong.core.errors import UserError
from fangkong.core.messaging import shared_language
from fangkong.office.directives import Target, directive_publish, publisher_scope, receipt_read
from fangkong.office.models import Priority, Receipt, Reminder, ReplyKind
from fangkong.office.reminders import remind_receipts
from fangkong.orgs.scoping import scope_of

from .models import Course, Enrollment, Material, MaterialKind, MaterialView, Question, QuizAttempt

DOCUMENT_TYPES = {".pdf", ".doc", ".docx", ".ppt", ".pptx", ".xls", ".xlsx", ".txt"}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
VIDEO_TYPES = {".mp4", ".webm", ".m4v", ".mov"}
VIDEO_MAX_BYTES = 200 * 1024 * 1024
MAX_MATERIALS = 10
MAX_QUESTIONS = 20
MAX_CHOICES = 6


@dataclass
class QuestionSpec:
    text: str
    choices: list[str]
    answer: list[int] = field(default_factory=list)


def parse_quiz(text: str) -> list[QuestionSpec]:
    """The publisher's quiz, typed on a phone: questions separated by a blank line; the first
    line is the question, each further line a choice, right choices start with ``*``. More than
    one right choice makes it a multiple-choice question."""
    questions: list[QuestionSpec] = []
    block: list[str] = []
    for line in [*text.replace("\r\n", "\n").split("\n"), ""]:
        if line.strip():
            block.append(line.strip())
            continue
        if not block:
            continue
        n = len(questions) + 1
        head, rows = block[0], block[1:]
        choices = [r.lstrip("*＊").strip() for r in rows]
        answer = [i for i, r in enumerate(rows) if r[:1] in ("*", "＊")]
        if len(choices) < 2:
            raise UserError(_("第%(n)s题：至少要有两个选项。") % {"n": n}, field="quiz")
        if len(choices) > MAX_CHOICES:
            raise UserError(_("第%(n)s题：最多%(m)s个选项。") % {"n": n, "m": MAX_CHOICES}, field="quiz")
        if not answer:
            raise UserError(_("第%(n)s题：请在正确选项前加 *。") % {"n": n}, field="quiz")
        if any(not c for c in choices) or len(set(choices)) != len(choices):
            raise UserError(_("第%(n)s题：选项不能为空或重复。") % {"n": n}, field="quiz")
        questions.append(QuestionSpec(text=head[:300], choices=choices, answer=answer))
        block = []
    if len(questions) > MAX_QUESTIONS:
        raise UserError(_("测验最多%(n)s道题。") % {"n": MAX_QUESTIONS}, field="quiz")
    return questions


def parse_links(text: str) -> list[tuple[str, str]]:
    """``名称 https://…`` per line (the name is optional)."""
    links = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _sep, url = line.rpartition(" ")
        if not url.startswith(("https://", "http://")) or len(url) > 500:
            raise UserError(_("第%(n)s行链接无效：链接须以 http:// 或 https:// 开头。") % {"n": n}, field="links")
        links.append(((name.strip() or url)[:200], url))
    return links


def _check_upload(f: UploadedFile, kind: str) -> None:
    types, limit, what = ((VIDEO_TYPES, VIDEO_MAX_BYTES, _("视频")) if kind == MaterialKind.VIDEO
                          else (DOCUMENT_TYPES, DOCUMENT_MAX_BYTES, _("文档")))
    ext = os.path.splitext(f.name or "")[1].lower()
    if ext not in types:
        raise UserError(_("“%(name)s”的类型不支持，%(what)s只能是：%(types)s。")
                        % {"name": f.name, "what": what, "types": " ".join(sorted(types))}, field="files")
    if (f.size or 0) > limit:
        raise UserError(_("“%(name)s”超过%(mb)sMB。") % {"name": f.name, "mb": limit // (1024 * 1024)}, field="files")


def course_publish(
    *,
    actor: Any,
    title: str,
    description: str,
    target: Target,
    documents: Sequence[UploadedFile] = (),
    videos: Sequence[UploadedFile] = (),
    links: Sequence[tuple[str, str]] = (),
    questions: Sequence[QuestionSpec] = (),
    pass_mark: int = 0,
    deadline: datetime | None = None,
    priority: str = Priority.NORMAL,
    target_label: str = "",
) -> Course:
    scope = publisher_scope(actor)
    title = title.strip()
    if not title:
        raise UserError(_("请填写课程名称。"), field="title")
    if len(title) > 90:
        raise UserError(_("课程名称不能超过90个字。"), field="title")
    count = len(documents) + len(videos) + len(links)
    if count == 0:
        raise UserError(_("请至少添加一份学习资料（文档、视频或链接）。"), field="files")
    if count > MAX_MATERIALS:
        raise UserError(_("一门课程最多%(n)s份学习资料。") % {"n": MAX_MATERIALS}, field="files")
    for f in documents:
        _check_upload(f, MaterialKind.DOCUMENT)
    for f in videos:
        _check_upload(f, MaterialKind.VIDEO)
    if questions and not 1 <= pass_mark <= 100:
        raise UserError(_("有测验时请填写1到100之间的及格分。"), field="pass_mark")
    now = timezone.now()
    if deadline is not None and deadline <= now:
        raise UserError(_("完成期限必须晚于现在。"), field="deadline")
    with shared_language():  # the notice is stored once for every recipient
        body = (description.strip() + "\n\n" if description.strip() else "") + _(
            "请打开本通知点击“去学习”，学完全部资料%(quiz)s即为完成。"
        ) % {"quiz": _("并通过测验") if questions else ""}
        if deadline is not None:
            body += _("完成期限：%(d)s。") % {"d": date_format(timezone.localtime(deadline), "Y-m-d H:i")}
        notice_title = _("【培训】%(t)s") % {"t": title}
    with transaction.atomic():
        directive = directive_publish(
            actor=actor, title=notice_title, body=body, target=target, priority=priority,
            reply=ReplyKind.NONE, deadline=None, target_label=target_label,
        )
        assert scope.district_id is not None
        course = Course.objects.create(
            directive=directive, publisher=actor, district_id=scope.district_id, town_id=scope.town_id, title=title,
            description=description.strip(), pass_mark=pass_mark if questions else 0, deadline=deadline, created_at=now,
        )
        position = 0
        for kind, files in ((MaterialKind.DOCUMENT, documents), (MaterialKind.VIDEO, videos)):
            for f in files:
                position += 1
                Material.objects.create(course=course, position=position, kind=kind, title=(f.name or "")[:200], file=f,
                                        size=f.size or 0)
        for name, url in links:
            position += 1
            Material.objects.create(course=course, position=position, kind=MaterialKind.LINK, title=name, url=url)
        Question.objects.bulk_create([
            Question(course=course, position=n, text=q.text, choices=q.choices, answer=q.answer)
            for n, q in enumerate(questions, start=1)
        ])
        course.assigned = _enroll(course)
        Course.objects.filter(pk=course.pk).update(assigned=course.assigned)
        audit_log(actor=actor, action="training.course_publish", object_type="course", object_id=course.pk,
                  district_id=scope.district_id, town_id=scope.town_id,
                  detail={"directive": directive.pk, "assigned": course.assigned, "materials": count,
                          "questions": len(questions)})
    return course


def _enroll(course: Course) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Enrollment._meta.db_table} "  # noqa: S608 - table names from models, values are params
            "(course_id, person_id, district_id, town_id, committee_id, opened, attempts) "
            f"SELECT %s, person_id, district_id, town_id, committee_id, 0, 0 FROM {Receipt._meta.db_table} "
            "WHERE directive_id = %s",
            [course.pk, course.directive_id],
        )
        return cursor.rowcount


def _complete_if_done(enrollment: Enrollment, course: Course, now: datetime) -> bool:
    """Set ``completed_at`` once every material is opened and the quiz (if any) is passed."""
    materials = Material.objects.filter(course=course).count()
    has_quiz = Question.objects.filter(course=course).exists()
    if enrollment.completed_at is not None or enrollment.opened < materials:
        return False
    if has_quiz and enrollment.passed_at is None:
        return False
    done = Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(completed_at=now)
    if done:
        enrollment.completed_at = now
    return bool(done)


def _read_directive(enrollment: Enrollment, course: Course) -> None:
    receipt = Receipt.objects.filter(directive_id=course.directive_id, person_id=enrollment.person_id).first()
    if receipt is not None:
        receipt_read(receipt=receipt)  # studying it means having opened the notice


def material_open(*, enrollment: Enrollment, material: Material) -> bool:
    """Record the learner's first opening of a material; True when this call recorded it."""
    if material.course_id != enrollment.course_id:
        raise UserError(_("该资料不属于这门课程。"))
    course = enrollment.course
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                MaterialView.objects.create(enrollment=enrollment, material=material, at=now)
        except IntegrityError:
            return False
        Enrollment.objects.filter(pk=enrollment.pk).update(opened=F("opened") + 1)
        if enrollment.started_at is None:
            Enrollment.objects.filter(pk=enrollment.pk, started_at__isnull=True).update(started_at=now)
            enrollment.started_at = now
        enrollment.refresh_from_db(fields=["opened", "started_at"])
        _read_directive(enrollment, course)
        _complete_if_done(enrollment, course, now)
    return True


def quiz_score(questions: Sequence[Question], answers: Mapping[str, Sequence[str]]) -> tuple[int, dict[str, list[int]]]:
    """Percentage of questions answered exactly right, and the answers as chosen indexes."""
    chosen: dict[str, list[int]] = {}
    right = 0
    for q in questions:
        picked = sorted({int(v) for v in answers.get(str(q.pk), []) if str(v).isdigit() and int(v) < len(q.choices)})
        chosen[str(q.pk)] = picked
        right += picked == sorted(q.answer)
    return (right * 100 // len(questions) if questions else 0), chosen


def quiz_submit(*, actor: Any, enrollment: Enrollment, answers: Mapping[str, Sequence[str]]) -> QuizAttempt:
    course = enrollment.course
    questions = list(Question.objects.filter(course=course))
    if not questions:
        raise UserError(_("这门课程没有测验。"))
    if enrollment.passed_at is not None:
        raise UserError(_("您已通过测验，无需再做。"))
    missing = [n for n, q in enumerate(questions, start=1) if not answers.get(str(q.pk))]
    if missing:
        raise UserError(_("还有题目没有作答：第%(n)s题。") % {"n": "、".join(map(str, missing))}, field="quiz")
    score, chosen = quiz_score(questions, answers)
    passed = score >= course.pass_mark
    now = timezone.now()
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        number = locked.attempts + 1
        attempt = QuizAttempt.objects.create(enrollment=locked, number=number, answers=chosen, score=score,
                                             passed=passed, at=now)
        best = max(score, locked.best_score or 0)
        Enrollment.objects.filter(pk=locked.pk).update(
            attempts=number, best_score=best, passed_at=now if passed else None,
            started_at=locked.started_at or now,
        )
        enrollment.attempts, enrollment.best_score = number, best
        enrollment.passed_at = now if passed else None
        enrollment.started_at = locked.started_at or now
        enrollment.opened = locked.opened
        _read_directive(enrollment, course)
        _complete_if_done(enrollment, course, now)
        audit_log(actor=actor, action="training.quiz_submit", object_type="enrollment", object_id=enrollment.pk,
                  district_id=enrollment.district_id, town_id=enrollment.town_id, committee_id=enrollment.committee_id,
                  detail={"course": course.pk, "attempt": number, "score": score, "passed": passed})
    return attempt


def course_remind(*, actor: Any, course: Course) -> Reminder:
    """提醒未完成: in-app and SMS to the learners (in the actor's scope) who have not completed."""
    scope = scope_of(actor)
    if scope.level not in ("district", "town"):
        raise UserError(_("只有发布方可以提醒未完成的人员。"))
    town_id = scope.town_id if scope.level == "town" else None
    unfinished = Enrollment.objects.filter(course=course, completed_at__isnull=True)
    pending = Receipt.objects.filter(directive_id=course.directive_id,
                                     person_id__in=unfinished.values("person_id"))
    return remind_receipts(actor=actor, directive=course.directive, pending=pending, town_id=town_id,
                           action="training.course_remind", detail={"course": course.pk})


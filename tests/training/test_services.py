"""岗位培训, the services: publishing as a 【培训】 directive to posts or units, opening materials,
the quiz and its pass mark, completion, 提醒未完成 with its cooldown, validation in Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core.errors import UserError
from fangkong.core.models import OutboundMessage
from fangkong.office.directives import Target
from fangkong.office.models import Receipt
from fangkong.office.queries import person_of
from fangkong.office.reminders import CoolingDown
from fangkong.training.models import Enrollment, Material, QuizAttempt
from fangkong.training.services import (
    course_remind,
    material_open,
    parse_links,
    parse_quiz,
    quiz_submit,
)

from .conftest import QUIZ, pdf, publish

pytestmark = pytest.mark.django_db


def mine(course: Any, user: Any) -> Enrollment:
    return Enrollment.objects.select_related("course").get(course=course, person=person_of(user))


def open_all(course: Any, enrollment: Enrollment) -> None:
    for m in Material.objects.filter(course=course):
        material_open(enrollment=enrollment, material=m)


def right_answers(course: Any) -> dict[str, list[str]]:
    return {str(q.pk): [str(i) for i in q.answer] for q in course.questions.all()}


def test_a_course_reaches_every_recipients_inbox_as_a_training_notice(course: Any) -> None:
    assert course.directive.title == "【培训】社区防控岗位培训"
    receipts = Receipt.objects.filter(directive=course.directive).count()
    assert receipts == Enrollment.objects.filter(course=course).count() == course.assigned == 7


def test_a_course_for_a_post_enrolls_only_that_post(district_officer: Any, people: Any) -> None:
    course = publish(district_officer, target=Target(posts=["书记"]))
    assert set(Enrollment.objects.filter(course=course).values_list("person__name", flat=True)) == {"齐书记", "钢书记"}


def test_a_town_course_stays_in_the_town(town_officer: Any, people: Any) -> None:
    course = publish(town_officer)
    assert set(Enrollment.objects.filter(course=course).values_list("town__code", flat=True)) == {"T04"}


def test_opening_a_material_starts_learning_and_reads_the_notice(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    first = Material.objects.filter(course=course).first()
    assert material_open(enrollment=e, material=first) is True
    assert material_open(enrollment=e, material=first) is False  # counted once
    e.refresh_from_db()
    assert e.opened == 1 and e.started_at is not None and e.completed_at is None
    assert Receipt.objects.get(directive=course.directive, person=e.person).read_at is not None


def test_materials_alone_do_not_complete_a_course_with_a_quiz(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    open_all(course, e)
    e.refresh_from_db()
    assert e.opened == 2 and e.completed_at is None


def test_passing_the_quiz_after_all_materials_completes_the_course(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    open_all(course, e)
    attempt = quiz_submit(actor=worker, enrollment=e, answers=right_answers(course))
    e.refresh_from_db()
    assert attempt.score == 100 and attempt.passed and e.passed_at and e.completed_at


def test_passing_the_quiz_first_completes_when_the_last_material_is_opened(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    quiz_submit(actor=worker, enrollment=e, answers=right_answers(course))
    e.refresh_from_db()
    assert e.completed_at is None
    open_all(course, e)
    e.refresh_from_db()
    assert e.completed_at is not None


def test_a_multiple_choice_question_needs_every_right_choice(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    answers = right_answers(course)
    multi = [q for q in course.questions.all() if q.multiple][0]
    answers[str(multi.pk)] = ["0"]
    attempt = quiz_submit(actor=worker, enrollment=e, answers=answers)
    e.refresh_from_db()
    assert attempt.score == 50 and not attempt.passed and e.passed_at is None and e.attempts == 1


def test_every_attempt_is_recorded_and_the_best_score_kept(course: Any, worker: Any) -> None:
    e = mine(course, worker)
    wrong = {str(q.pk): ["2"] for q in course.questions.all()}
    quiz_submit(actor=worker, enrollment=e, answers=wrong)
    quiz_submit(actor=worker, enrollment=e, answers=right_answers(course))
    e.refresh_from_db()
    assert list(QuizAttempt.objects.filter(enrollment=e).values_list("number", "score")) == [(2, 100), (1, 0)]
    assert e.best_score == 100 and e.attempts == 2


def test_an_unanswered_question_is_named(course: Any, worker: Any) -> None:
    first = course.questions.first()
    with pytest.raises(UserError, match="还有题目没有作答：第2题"):
        quiz_submit(actor=worker, enrollment=mine(course, worker), answers={str(first.pk): ["0"]})


def test_a_course_without_a_quiz_completes_on_opening_its_materials(district_officer: Any, people: Any,
                                                                    worker: Any) -> None:
    course = publish(district_officer, questions=[], pass_mark=0)
    e = mine(course, worker)
    open_all(course, e)
    e.refresh_from_db()
    assert e.completed_at is not None


@pytest.mark.parametrize(("text", "message"), [
    ("题目\n*唯一选项", "第1题：至少要有两个选项。"),
    ("题目\n甲\n乙", "第1题：请在正确选项前加 *。"),
    ("题目\n*甲\n甲", "第1题：选项不能为空或重复。"),
])
def test_quiz_mistakes_are_explained(text: str, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        parse_quiz(text)


def test_the_quiz_text_becomes_single_and_multiple_choice_questions() -> None:
    questions = parse_quiz(QUIZ)
    assert [(q.choices, q.answer) for q in questions] == [
        (["4小时", "一天", "一周"], [0]), (["同住人员", "同一办公室人员", "路过人员"], [0, 1])]


def test_a_link_must_be_a_web_address() -> None:
    with pytest.raises(UserError, match="第1行链接无效"):
        parse_links("手册 ftp://x")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"documents": [], "links": []}, "请至少添加一份学习资料"),
    ({"documents": [SimpleUploadedFile("a.exe", b"MZ")]}, "“a.exe”的类型不支持，文档只能是"),
    ({"videos": [SimpleUploadedFile("v.avi", b"x")]}, "“v.avi”的类型不支持，视频只能是"),
    ({"pass_mark": 0}, "有测验时请填写1到100之间的及格分。"),
    ({"title": " "}, "请填写课程名称。"),
])
def test_publishing_mistakes_are_explained_in_chinese(district_officer: Any, people: Any, overrides: dict[str, Any],
                                                      message: str) -> None:
    with pytest.raises(UserError, match=message):
        publish(district_officer, **overrides)


def test_a_document_over_the_size_limit_is_refused(district_officer: Any, people: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fangkong.training.services.DOCUMENT_MAX_BYTES", 50)
    with pytest.raises(UserError, match="超过0MB"):
        publish(district_officer, documents=[pdf(size=100)])


def test_a_committee_worker_cannot_publish(worker: Any, people: Any) -> None:
    with pytest.raises(UserError, match="只有区级和街镇工作人员可以发布通知"):
        publish(worker)


def test_remind_reaches_only_the_unfinished_by_sms(course: Any, worker: Any, district_officer: Any) -> None:
    e = mine(course, worker)
    open_all(course, e)
    quiz_submit(actor=worker, enrollment=e, answers=right_answers(course))
    reminder = course_remind(actor=district_officer, course=course)
    assert reminder.people == 6
    phones = set(OutboundMessage.objects.values_list("recipient", flat=True))
    assert e.person.phone not in phones and len(phones) == reminder.sms
    assert Receipt.objects.get(directive=course.directive, person=e.person).reminded_at is None


def test_remind_again_within_five_minutes_is_refused(course: Any, district_officer: Any) -> None:
    course_remind(actor=district_officer, course=course)
    with pytest.raises(CoolingDown, match="5分钟内只能提醒一次"):
        course_remind(actor=district_officer, course=course)


def test_a_town_reminds_only_its_own_people(course: Any, town_officer: Any, people: Any) -> None:
    reminder = course_remind(actor=town_officer, course=course)
    reminded = Receipt.objects.filter(directive=course.directive, reminded_at__isnull=False)
    assert reminder.people == reminded.count() and set(reminded.values_list("town__code", flat=True)) == {"T04"}


def test_a_course_published_from_an_english_page_is_announced_in_chinese(district_officer: Any, people: Any) -> None:
    from django.utils import translation

    from tests.training.conftest import publish

    with translation.override("en"):
        course = publish(district_officer)
    assert course.directive.title.startswith("【培训】")
    assert "去学习" in course.directive.body  # stored once for every recipient, in the site's language

"""岗位培训, the pages: publishing from the phone form, the learner's page and quiz, the roll-up
by level with drill-down, 404 outside one's scope, and query counts that do not grow."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fangkong.office.queries import person_of
from fangkong.orgs.models import Committee, Town
from fangkong.training.models import Course, Enrollment, Material

from .conftest import pdf, publish

pytestmark = pytest.mark.django_db


def logged_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_a_district_officer_publishes_a_course_from_the_form(client: Client, district_officer: Any, people: Any) -> None:
    response = logged_in(client, district_officer).post("/training/new/", {
        "title": "消毒规范培训", "body": "", "priority": "normal", "levels": ["committees"],
        "documents": [pdf()], "links": "规范全文 https://example.org/a", "quiz": "消毒液配比？\n*1:100\n1:10",
        "pass_mark": "80",
    })
    course = Course.objects.get(title="消毒规范培训")
    assert response.status_code == 302 and response["Location"] == f"/training/{course.pk}/"
    assert course.materials.count() == 2 and course.questions.count() == 1 and course.assigned == 6


def test_a_quiz_without_a_right_choice_is_shown_next_to_the_quiz(client: Client, district_officer: Any,
                                                                 people: Any) -> None:
    response = logged_in(client, district_officer).post("/training/new/", {
        "title": "消毒规范培训", "priority": "normal", "levels": ["committees"], "links": "https://example.org/a",
        "quiz": "消毒液配比？\n1:100\n1:10", "pass_mark": "80",
    })
    assert response.status_code == 422 and "第1题：请在正确选项前加 *。" in response.content.decode()


def test_a_course_without_materials_is_refused_in_chinese(client: Client, district_officer: Any, people: Any) -> None:
    response = logged_in(client, district_officer).post("/training/new/", {
        "title": "消毒规范培训", "priority": "normal", "levels": ["committees"]})
    assert response.status_code == 422 and "请至少添加一份学习资料" in response.content.decode()


def test_the_learner_sees_the_course_in_my_courses_and_the_inbox_link(client: Client, course: Any,
                                                                      worker: Any) -> None:
    c = logged_in(client, worker)
    assert "社区防控岗位培训" in c.get("/training/").content.decode()
    assert f"/training/{course.pk}/learn/" in c.get(f"/training/directive/{course.directive_id}/").content.decode()


def test_the_learner_opens_materials_and_passes_the_quiz(client: Client, course: Any, worker: Any) -> None:
    c = logged_in(client, worker)
    link = course.materials.get(kind="link")
    assert c.get(f"/training/{course.pk}/materials/{link.pk}/")["Location"] == "https://example.org/v/1"
    doc = course.materials.get(kind="document")
    assert c.get(f"/training/{course.pk}/materials/{doc.pk}/").status_code == 200
    answers = {f"q{q.pk}": [str(i) for i in q.answer] for q in course.questions.all()}
    assert c.post(f"/training/{course.pk}/learn/", answers).status_code == 302
    page = c.get(f"/training/{course.pk}/learn/").content.decode()
    assert "测验已通过，得分 100" in page and "已完成" in page
    assert Enrollment.objects.get(course=course, person=person_of(worker)).completed_at is not None


def test_an_incomplete_quiz_says_which_question_is_missing(client: Client, course: Any, worker: Any) -> None:
    response = logged_in(client, worker).post(f"/training/{course.pk}/learn/", {})
    assert response.status_code == 422 and "还有题目没有作答：第1、2题。" in response.content.decode()


def test_someone_not_enrolled_gets_404(client: Client, district_officer: Any, people: Any, worker: Any) -> None:
    from fangkong.office.directives import Target

    course = publish(district_officer, target=Target(posts=["书记"]))
    c = logged_in(client, worker)
    material = Material.objects.filter(course=course).first()
    assert c.get(f"/training/{course.pk}/learn/").status_code == 404
    assert c.get(f"/training/{course.pk}/materials/{material.pk}/").status_code == 404


def test_the_district_rollup_shows_towns_then_units_then_people(client: Client, course: Any,
                                                                district_officer: Any) -> None:
    c = logged_in(client, district_officer)
    t04 = Town.objects.get(code="T04")
    qihe = Committee.objects.get(code="T04C027")
    assert "0/7" in c.get(f"/training/{course.pk}/").content.decode()
    assert "齐河第二社区" in c.get(f"/training/{course.pk}/?town={t04.pk}").content.decode()
    people = c.get(f"/training/{course.pk}/?town={t04.pk}&committee={qihe.pk}").content.decode()
    assert "齐书记" in people and "上主任" not in people


def test_a_town_sees_only_its_own_units(client: Client, course: Any, town_officer: Any) -> None:
    c = logged_in(client, town_officer)
    page = c.get(f"/training/{course.pk}/").content.decode()
    assert "齐河第二社区" in page and "上钢" not in page
    t01 = Town.objects.get(code="T01")
    shanggang = Committee.objects.get(code="T01C001")
    assert c.get(f"/training/{course.pk}/?town={t01.pk}").status_code == 404
    assert c.get(f"/training/{course.pk}/?committee={shanggang.pk}").status_code == 404


def test_a_town_course_is_a_404_for_another_town(client: Client, town_officer: Any, other_town_officer: Any,
                                                 people: Any) -> None:
    course = publish(town_officer)
    assert logged_in(client, other_town_officer).get(f"/training/{course.pk}/").status_code == 404


def test_a_committee_worker_cannot_see_the_rollup(client: Client, course: Any, worker: Any) -> None:
    assert logged_in(client, worker).get(f"/training/{course.pk}/").status_code == 403


def test_remind_button_reports_who_was_reminded_and_the_cooldown(client: Client, course: Any,
                                                                 district_officer: Any) -> None:
    c = logged_in(client, district_officer)
    first = c.post(f"/training/{course.pk}/remind/", follow=True).content.decode()
    assert "已提醒 7 人" in first
    assert "5分钟内只能提醒一次" in c.post(f"/training/{course.pk}/remind/", follow=True).content.decode()


def test_list_and_rollup_queries_do_not_grow(client: Client, district_officer: Any, people: Any, worker: Any,
                                             django_assert_max_num_queries: Any) -> None:
    courses = [publish(district_officer, title=f"培训{i}") for i in range(4)]
    c = logged_in(client, district_officer)
    c.get(f"/training/{courses[0].pk}/")  # loads the per-process org cache
    with django_assert_max_num_queries(8):
        assert c.get("/training/").status_code == 200
    with django_assert_max_num_queries(10):
        assert c.get(f"/training/{courses[0].pk}/").status_code == 200
    qihe = Committee.objects.get(code="T04C027")
    t04 = Town.objects.get(code="T04")
    with django_assert_max_num_queries(8):
        assert c.get(f"/training/{courses[0].pk}/?town={t04.pk}&committee={qihe.pk}").status_code == 200
    w = Client()
    w.force_login(worker)
    with django_assert_max_num_queries(8):
        assert w.get("/training/").status_code == 200

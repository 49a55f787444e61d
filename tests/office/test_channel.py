"""The town direct line (城镇直通车): a town asks, the district answers, shared practice."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.core.errors import UserError
from fangkong.core.models import OutboundMessage
from fangkong.office.models import Thread, ThreadMessage, ThreadStatus
from fangkong.office.queries_channel import channel_badge, highlight, shared_practice
from fangkong.office.services_channel import (
    TRANSITIONS,
    message_share,
    thread_assign,
    thread_close,
    thread_open,
    thread_reopen,
    thread_reply,
)
from fangkong.orgs.models import Role, User
from tests.conftest import _staff

pytestmark = pytest.mark.django_db


def _ask(town_officer: User, **kw: Any) -> Thread:
    return thread_open(actor=town_officer, title=kw.pop("title", "居家隔离人员的生活垃圾如何处理？"),
                       body=kw.pop("body", "小区有3户居家隔离，垃圾清运由谁负责？"), **kw)


@pytest.fixture
def second_officer(pudong: Any) -> User:
    user = _staff("district2", Role.DISTRICT_OFFICER, district=pudong)
    User.objects.filter(pk=user.pk).update(phone="13700000002")
    user.refresh_from_db()
    return user


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_transition_table_is_the_documented_one() -> None:
    assert {
        ThreadStatus.OPEN: {ThreadStatus.ANSWERED, ThreadStatus.CLOSED},
        ThreadStatus.ANSWERED: {ThreadStatus.OPEN, ThreadStatus.CLOSED},
        ThreadStatus.CLOSED: {ThreadStatus.OPEN},
    } == TRANSITIONS


def test_a_district_answer_moves_open_to_answered_and_a_town_follow_up_back_to_open(
    town_officer: User, district_officer: User
) -> None:
    thread = _ask(town_officer)
    assert thread.status == ThreadStatus.OPEN
    thread_reply(actor=district_officer, thread=thread, body="由街镇环卫所统一上门清运。")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.ANSWERED and thread.answered_at is not None
    assert thread.assignee_id == district_officer.pk  # the first to answer takes it
    thread_reply(actor=town_officer, thread=thread, body="清运频次是多少？")
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN


def test_close_and_reopen_follow_the_table(town_officer: User, district_officer: User) -> None:
    thread = _ask(town_officer)
    thread_close(actor=district_officer, thread=thread)
    assert Thread.objects.get(pk=thread.pk).status == ThreadStatus.CLOSED
    with pytest.raises(UserError, match="已关闭"):
        thread_reply(actor=town_officer, thread=thread, body="还有问题")
    with pytest.raises(UserError, match="不能改为"):
        thread_close(actor=town_officer, thread=thread)
    thread_reopen(actor=town_officer, thread=thread)
    assert Thread.objects.get(pk=thread.pk).status == ThreadStatus.OPEN


def test_a_stale_status_loses_to_the_click_that_came_first(town_officer: User, district_officer: User) -> None:
    thread = _ask(town_officer)
    stale = Thread.objects.get(pk=thread.pk)
    thread_close(actor=district_officer, thread=thread)
    with pytest.raises(UserError, match="刚被其他人修改"):
        thread_close(actor=town_officer, thread=stale)


def test_only_town_officers_can_ask(district_officer: User, worker: User) -> None:
    for user in (district_officer, worker):
        with pytest.raises(UserError, match="只有街镇工作人员"):
            _ask(user)


def test_asking_says_what_is_missing_or_wrong(town_officer: User) -> None:
    with pytest.raises(UserError, match="请填写标题"):
        _ask(town_officer, title="  ")
    with pytest.raises(UserError, match="请填写内容"):
        _ask(town_officer, body="")
    with pytest.raises(UserError, match="类型不支持"):
        _ask(town_officer, attachments=[SimpleUploadedFile("run.exe", b"MZ")])


def test_another_town_cannot_reply_or_close(town_officer: User, other_town_officer: User) -> None:
    thread = _ask(town_officer)
    with pytest.raises(UserError):
        thread_reply(actor=other_town_officer, thread=thread, body="我来答")
    with pytest.raises(UserError):
        thread_close(actor=other_town_officer, thread=thread)


def test_assignee_must_be_a_district_officer_and_is_texted_once(
    town_officer: User, district_officer: User, second_officer: User
) -> None:
    thread = _ask(town_officer)
    with pytest.raises(UserError, match="区级工作人员"):
        thread_assign(actor=district_officer, thread=thread, assignee_id=town_officer.pk)
    thread_assign(actor=district_officer, thread=thread, assignee_id=second_officer.pk)
    thread_assign(actor=district_officer, thread=thread, assignee_id=second_officer.pk)
    sms = OutboundMessage.objects.filter(template="office_channel_assigned")
    assert list(sms.values_list("recipient", flat=True)) == ["13700000002"]
    assert sms.get().variables["town"] == "周家渡街道"


def test_a_town_cannot_assign(town_officer: User, second_officer: User) -> None:
    thread = _ask(town_officer)
    with pytest.raises(UserError, match="只有区级"):
        thread_assign(actor=town_officer, thread=thread, assignee_id=second_officer.pk)


def test_the_asker_is_texted_per_answer_and_the_assignee_per_follow_up(
    town_officer: User, district_officer: User, second_officer: User
) -> None:
    User.objects.filter(pk=town_officer.pk).update(phone="13600000004")
    town_officer.refresh_from_db()
    thread = _ask(town_officer)
    thread_assign(actor=district_officer, thread=thread, assignee_id=second_officer.pk)
    thread_reply(actor=second_officer, thread=thread, body="由环卫所清运。")
    thread_reply(actor=town_officer, thread=thread, body="频次？")
    thread_reply(actor=second_officer, thread=thread, body="每日一次。")
    answered = OutboundMessage.objects.filter(template="office_channel_answered")
    assert list(answered.values_list("recipient", flat=True)) == ["13600000004", "13600000004"]
    followup = OutboundMessage.objects.filter(template="office_channel_followup")
    assert list(followup.values_list("recipient", flat=True)) == ["13700000002"]


def test_badges_show_news_for_each_side_until_they_look(town_officer: User, district_officer: User) -> None:
    thread = _ask(town_officer)
    assert channel_badge(district_officer) == 1
    assert channel_badge(town_officer) == 0
    client_for(district_officer).get(f"/office/channel/{thread.pk}/")
    assert channel_badge(district_officer) == 0
    thread_reply(actor=district_officer, thread=thread, body="已答复")
    assert channel_badge(town_officer) == 1
    page = client_for(town_officer).get("/office/channel/")
    assert "1 条新动态" in page.content.decode()
    assert b'id="nav-channel-badge">1<' in client_for(town_officer).get("/office/badges/channel/").content
    client_for(town_officer).get(f"/office/channel/{thread.pk}/")
    assert channel_badge(town_officer) == 0


def test_shared_practice_is_visible_to_all_towns_and_committees_but_not_the_thread(
    town_officer: User, other_town_officer: User, district_officer: User, worker: User
) -> None:
    thread = _ask(town_officer)
    answer = thread_reply(actor=district_officer, thread=thread, body="由街镇环卫所统一上门清运，双层袋封装。")
    assert shared_practice(other_town_officer).count() == 0
    message_share(actor=district_officer, message=answer)
    for user in (other_town_officer, worker, town_officer, district_officer):
        assert list(shared_practice(user)) == [answer]
    page = client_for(other_town_officer).get("/office/channel/shared/?q=环卫所")
    assert page.status_code == 200
    assert "<mark>环卫所</mark>" in page.content.decode()
    assert client_for(other_town_officer).get(f"/office/channel/{thread.pk}/").status_code == 404
    assert "没有找到" in client_for(other_town_officer).get("/office/channel/shared/?q=核酸").content.decode()


def test_only_district_answers_can_be_shared_and_only_by_the_district(town_officer: User, district_officer: User) -> None:
    thread = _ask(town_officer)
    question = thread_reply(actor=town_officer, thread=thread, body="补充：共3户")
    with pytest.raises(UserError, match="只有区级的答复"):
        message_share(actor=district_officer, message=question)
    answer = thread_reply(actor=district_officer, thread=thread, body="答复")
    with pytest.raises(UserError, match="只有区级工作人员"):
        message_share(actor=town_officer, message=answer)


def test_office_members_do_not_see_shared_practice(town_officer: User, district_officer: User, pudong: Any) -> None:
    member = User.objects.create_user(username="17700000001", role=Role.OFFICE_MEMBER, district=pudong)
    thread = _ask(town_officer)
    message_share(actor=district_officer, message=thread_reply(actor=district_officer, thread=thread, body="答"))
    assert shared_practice(member).count() == 0
    assert client_for(member).get("/office/channel/shared/").status_code == 404


def test_a_committee_worker_is_sent_to_shared_practice(worker: User) -> None:
    response = client_for(worker).get("/office/channel/")
    assert response.status_code == 302 and response["Location"] == "/office/channel/shared/"


def test_every_url_with_an_id_is_404_outside_the_scope(
    town_officer: User, other_town_officer: User, district_officer: User, worker: User
) -> None:
    thread = _ask(town_officer, attachments=[SimpleUploadedFile("名单.xlsx", b"PK")])
    answer = thread_reply(actor=district_officer, thread=thread, body="答复")
    file_id = thread.attachments.get().pk
    urls = [f"/office/channel/{thread.pk}/"]
    posts = [f"/office/channel/{thread.pk}/reply/", f"/office/channel/{thread.pk}/assign/",
             f"/office/channel/{thread.pk}/close/", f"/office/channel/{thread.pk}/reopen/",
             f"/office/channel/messages/{answer.pk}/share/"]
    from fangkong.orgs.models import District

    minhang = User.objects.create_user(username="minhang", role=Role.DISTRICT_OFFICER,
                                       district=District.objects.create(code="310112", name="闵行区"))
    for user in (other_town_officer, worker, minhang):
        c = client_for(user)
        for url in urls + [f"/office/channel/files/{file_id}/"]:
            assert c.get(url).status_code == 404, (user, url)
        for url in posts:
            assert c.post(url, {"body": "x", "assignee": district_officer.pk}).status_code == 404, (user, url)
    assert client_for(town_officer).get(f"/office/channel/files/{file_id}/").status_code == 200
    assert client_for(district_officer).get(f"/office/channel/{thread.pk}/").status_code == 200
    assert ThreadMessage.objects.filter(thread=thread).count() == 1


def test_the_ask_page_shows_chinese_errors(town_officer: User) -> None:
    c = client_for(town_officer)
    response = c.post("/office/channel/new/", {"title": "", "body": "内容", "category": "policy", "urgency": "normal"})
    assert response.status_code == 422
    assert "这个字段是必填项。" in response.content.decode()
    response = c.post("/office/channel/new/", {"title": "标题", "body": "内容", "category": "policy", "urgency": "normal",
                                               "attachments": [SimpleUploadedFile("run.exe", b"MZ")]})
    assert response.status_code == 422
    assert "“run.exe”的类型不支持" in response.content.decode()
    assert not Thread.objects.exists()


def test_asking_through_the_page_with_an_attachment(town_officer: User) -> None:
    response = client_for(town_officer).post("/office/channel/new/", {
        "title": "返沪人员核酸检测费用谁承担？", "body": "有居民询问。", "category": "policy", "urgency": "urgent",
        "attachments": [SimpleUploadedFile("说明.pdf", b"%PDF-1.4")]})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/channel/{thread.pk}/"
    assert thread.urgency == "urgent" and thread.attachments.count() == 1


def test_highlight_escapes_html_and_marks_every_term() -> None:
    assert highlight("<b>隔离</b>期间 隔离", "隔离") == "&lt;b&gt;<mark>隔离</mark>&lt;/b&gt;期间 <mark>隔离</mark>"
    assert highlight("Mask 口罩", "mask") == "<mark>Mask</mark> 口罩"


def test_list_pages_cost_a_fixed_number_of_queries(
    town_officer: User, district_officer: User, other_town_officer: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        thread = _ask(town_officer, title=f"问题{i}")
        message_share(actor=district_officer, message=thread_reply(actor=district_officer, thread=thread, body=f"答{i}"))
    c = client_for(district_officer)
    c.get("/office/channel/")
    with django_assert_max_num_queries(8):
        assert c.get("/office/channel/").status_code == 200
    o = client_for(other_town_officer)
    o.get("/office/channel/shared/")
    with django_assert_max_num_queries(8):
        assert o.get("/office/channel/shared/?q=答").status_code == 200

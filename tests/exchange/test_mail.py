"""内部邮件: threads between people and unit mailboxes, replies, attachments, unread counts, scoping."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.core.errors import UserError
from fangkong.core.messaging import render_message
from fangkong.core.models import AuditEvent, OutboundMessage
from fangkong.exchange.models import MailThread
from fangkong.exchange.queries import mail_unread_count, sender_person
from fangkong.exchange.services_mail import Recipients, mail_reply, mail_send
from fangkong.orgs.models import Committee, Town, User

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def to_zhoujiadu(worker: User, **kw: Any) -> MailThread:
    town = Town.objects.get(code="T04").pk
    return mail_send(actor=worker, subject=kw.pop("subject", "齐河物资缺口"), body="口罩还差200只，请街道协调。",
                     to=kw.pop("to", Recipients(towns=[town])), **kw)


def test_a_committee_writes_to_the_town_mailbox_and_the_town_staff_read_it_unread_first(
    worker: User, town_officer: User, people: dict
) -> None:
    thread = to_zhoujiadu(worker)
    officer = sender_person(town_officer)
    assert mail_unread_count(officer) == 1
    c = client_for(town_officer)
    assert '<span class="nav-badge" id="nav-mail-badge">1</span>' in c.get("/office/exchange/mail/badge/").content.decode()
    page = c.get(f"/office/exchange/mail/{thread.pk}/").content.decode()
    assert "口罩还差200只" in page and "周家渡街道（单位信箱）" in page
    assert mail_unread_count(officer) == 0
    assert c.get("/office/exchange/mail/badge/").content == b""


def test_a_reply_in_the_thread_is_unread_for_the_other_side_only(worker: User, town_officer: User, people: dict) -> None:
    thread = to_zhoujiadu(worker)
    r = client_for(town_officer).post(f"/office/exchange/mail/{thread.pk}/reply/", {
        "body": "已协调，明天送到。", "attachments": [SimpleUploadedFile("调拨单.xlsx", b"x" * 10)]})
    assert r.status_code == 302
    assert mail_unread_count(sender_person(worker)) == 1
    assert mail_unread_count(sender_person(town_officer)) == 0
    page = client_for(worker).get(f"/office/exchange/mail/{thread.pk}/").content.decode()
    assert "已协调，明天送到。" in page and "调拨单.xlsx" in page
    assert MailThread.objects.get(pk=thread.pk).messages_count == 2
    assert AuditEvent.objects.filter(action="exchange.mail_reply", object_id=str(thread.pk)).exists()


def test_someone_outside_the_thread_gets_404_for_it_its_reply_and_its_files(
    worker: User, outsider: User, other_town_officer: User, people: dict
) -> None:
    thread = to_zhoujiadu(worker, attachments=[SimpleUploadedFile("名单.pdf", b"%" * 10)])
    file_id = thread.messages.get().attachments.get().pk
    for user in (outsider, other_town_officer):
        c = client_for(user)
        assert c.get(f"/office/exchange/mail/{thread.pk}/").status_code == 404
        assert c.post(f"/office/exchange/mail/{thread.pk}/reply/", {"body": "?"}).status_code == 404
        assert c.get(f"/office/exchange/mail/files/{file_id}/").status_code == 404
    assert client_for(worker).get(f"/office/exchange/mail/files/{file_id}/").status_code == 200


def test_a_unit_mailbox_is_read_by_its_staff_and_heads_not_by_volunteers(
    town_officer: User, worker: User, people: dict
) -> None:
    qihe = Committee.objects.get(code="T04C027").pk
    thread = mail_send(actor=town_officer, subject="核酸点位调整", body="请确认点位。", to=Recipients(committees=[qihe]))
    assert mail_unread_count(sender_person(worker)) == 1  # qihe's staff account
    assert mail_unread_count(people["qihe_secretary"]) == 1  # the head
    assert mail_unread_count(people["qihe_volunteer"]) == 0
    with pytest.raises(UserError, match="您不是此邮件的收发方"):
        mail_reply(actor=_user_for(people["qihe_volunteer"]), thread=thread, body="我也看看")


def _user_for(person: Any) -> User:
    user = User.objects.create_user(username=f"p{person.pk}", password="x", role="committee_worker",
                                    district_id=person.district_id)
    type(person).objects.filter(pk=person.pk).update(user=user)
    return user


def test_named_people_get_an_sms_and_the_thread_in_their_mailbox(worker: User, people: dict) -> None:
    lead = people["shangnan_director"]
    thread = to_zhoujiadu(worker, to=Recipients(people=[lead.pk]))
    sms = OutboundMessage.objects.get(template="exchange_mail")
    assert sms.recipient == lead.phone
    text = render_message(sms.template, sms.variables)
    assert "qihe2给您发来《齐河物资缺口》" in text
    assert mail_unread_count(lead) == 1 and thread.parties.count() == 2


def test_mail_validation_messages_are_in_chinese(worker: User, people: dict) -> None:
    with pytest.raises(UserError, match="请填写主题。"):
        to_zhoujiadu(worker, subject=" ")
    with pytest.raises(UserError, match="请至少选择一个收件人或单位信箱。"):
        to_zhoujiadu(worker, to=Recipients())
    with pytest.raises(UserError, match="“工具.exe”的类型不支持，附件只能是"):
        to_zhoujiadu(worker, attachments=[SimpleUploadedFile("工具.exe", b"MZ")])
    with pytest.raises(UserError, match="附件最多5个"):
        to_zhoujiadu(worker, attachments=[SimpleUploadedFile(f"{i}.pdf", b"%") for i in range(6)])
    assert not MailThread.objects.exists()


def test_the_new_mail_form_names_unknown_phones(worker: User, people: dict) -> None:
    r = client_for(worker).post("/office/exchange/mail/new/", {"subject": "a", "body": "b", "people": "13800000000"})
    assert "本区没有这些手机号的人员：13800000000" in r.content.decode()


def test_the_new_mail_form_sends_and_redirects_to_the_thread(worker: User, town_officer: User, people: dict) -> None:
    town = Town.objects.get(code="T04").pk
    r = client_for(worker).post("/office/exchange/mail/new/", {"subject": "周报", "body": "本周情况", "towns": [town]})
    thread = MailThread.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/office/exchange/mail/{thread.pk}/"


def test_the_mailbox_costs_the_same_queries_however_many_threads(
    worker: User, town_officer: User, people: dict, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        to_zhoujiadu(worker, subject=f"第{i}封")
    c = client_for(town_officer)
    c.get("/office/exchange/mail/")
    with django_assert_max_num_queries(5):
        page = c.get("/office/exchange/mail/").content.decode()
    assert page.count('class="unread"') == 5

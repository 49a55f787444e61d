"""提醒未读 (only the not-done, cooldown, log) and escalation of overdue receipts to unit heads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.core.models import OutboundMessage
from fangkong.office.directives import Target, directive_publish, receipt_acknowledge, receipt_read
from fangkong.office.models import Directive, Receipt, Reminder, ReminderKind
from fangkong.office.reminders import CoolingDown, directive_escalate_overdue, directive_remind

pytestmark = pytest.mark.django_db


@pytest.fixture
def directive(district_officer, people, worker):  # type: ignore[no-untyped-def]
    d = directive_publish(actor=district_officer, title="疫苗接种动员", body="请动员辖区居民接种。",
                          target=Target(levels=["committees"]), deadline=timezone.now() + timedelta(hours=1))
    rows = {r.person.name: r for r in Receipt.objects.filter(directive=d).select_related("person", "directive")}
    receipt_acknowledge(actor=worker, receipt=rows["齐书记"])
    receipt_read(receipt=rows["齐志愿"])  # read, not acknowledged: still reminded
    return d


def reminder_sms() -> set[str]:
    return set(OutboundMessage.objects.filter(template="office_directive_reminder").values_list("recipient", flat=True))


def test_remind_reaches_only_those_not_acknowledged(district_officer, directive, people):  # type: ignore[no-untyped-def]
    reminder = directive_remind(actor=district_officer, directive=directive)
    assert reminder.people == 6  # 7 recipients, 1 acknowledged; qihe2 has no phone
    expected = {people[k].phone for k in ("qihe_volunteer", "qihe_lead", "shangnan_director", "shangnan_volunteer",
                                          "shanggang_secretary")}
    assert reminder_sms() == expected and reminder.sms == 5
    reminded = Receipt.objects.filter(directive=directive, reminded_at__isnull=False)
    assert people["qihe_secretary"].pk not in set(reminded.values_list("person_id", flat=True))


def test_a_second_reminder_within_five_minutes_is_refused_with_the_time(district_officer, directive):  # type: ignore[no-untyped-def]
    directive_remind(actor=district_officer, directive=directive)
    with pytest.raises(CoolingDown, match="5分钟内只能提醒一次"):
        directive_remind(actor=district_officer, directive=directive)
    Reminder.objects.update(at=timezone.now() - timedelta(minutes=5, seconds=1))
    directive_remind(actor=district_officer, directive=directive)
    assert Reminder.objects.filter(directive=directive, kind=ReminderKind.REMIND).count() == 2


def test_a_town_reminds_only_its_own_units(town_officer, directive, people):  # type: ignore[no-untyped-def]
    reminder = directive_remind(actor=town_officer, directive=directive)
    assert people["shanggang_secretary"].phone not in reminder_sms()
    assert reminder.town_id == town_officer.town_id and reminder.sms == 4


def test_the_reminder_page_shows_the_cooldown_message_and_the_log(client, district_officer, directive):  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    first = client.post(f"/office/directives/{directive.pk}/remind/", follow=True).content.decode()
    assert "已提醒 6 人" in first
    second = client.post(f"/office/directives/{directive.pk}/remind/", follow=True).content.decode()
    assert "5分钟内只能提醒一次" in second
    assert "提醒记录" in second and second.count("<td>提醒未读</td>") == 1


def test_overdue_receipts_escalate_to_the_unit_heads_once(directive, people):  # type: ignore[no-untyped-def]
    assert directive_escalate_overdue(directive_id=directive.pk) == {"receipts": 0, "sms": 0}  # not yet due
    Directive.objects.filter(pk=directive.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    first = directive_escalate_overdue(directive_id=directive.pk)
    assert first["receipts"] == 6
    heads = set(OutboundMessage.objects.filter(template="office_directive_escalation").values_list("recipient", flat=True))
    assert heads == {people["qihe_secretary"].phone, people["shangnan_director"].phone, people["shanggang_secretary"].phone}
    assert directive_escalate_overdue(directive_id=directive.pk) == {"receipts": 0, "sms": 0}
    assert OutboundMessage.objects.filter(template="office_directive_escalation").count() == 3
    assert Reminder.objects.filter(kind=ReminderKind.ESCALATE).count() == 1


def test_the_escalation_job_is_scheduled_at_the_deadline(directive):  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    job = DBTaskResult.objects.get(task_path="fangkong.office.tasks.directive_escalate")
    assert job.args_kwargs["args"] == [directive.pk]
    assert abs((job.run_after - directive.deadline).total_seconds()) < 1


def test_a_large_reminder_queues_its_sms_in_a_worker_job_once(district_officer, directive, people, monkeypatch):  # type: ignore[no-untyped-def]
    from django_tasks_db.models import DBTaskResult

    from fangkong.office import reminders
    from fangkong.office.tasks import reminder_send_sms

    monkeypatch.setattr(reminders, "REMIND_INLINE_SMS", 1)
    reminder = directive_remind(actor=district_officer, directive=directive)
    assert reminder.sms == 5 and reminder_sms() == set()
    assert DBTaskResult.objects.filter(task_path="fangkong.office.tasks.reminder_send_sms").count() == 1
    assert reminder_send_sms.call(reminder.pk) == 5
    reminder_send_sms.call(reminder.pk)
    assert OutboundMessage.objects.filter(template="office_directive_reminder").count() == 5

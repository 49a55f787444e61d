"""Publishing directives: targeting, exact fan-out, read / 收到 / report, and the roll-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.core.errors import UserError
from fangkong.office.directives import (
    Target,
    directive_publish,
    receipt_acknowledge,
    receipt_read,
    receipt_report,
)
from fangkong.office.models import Person, Receipt
from fangkong.office.queries import rollup
from fangkong.orgs.models import Committee, Town

pytestmark = pytest.mark.django_db


def publish(actor, target, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("title", "关于加强小区封控管理的通知")
    kw.setdefault("body", "请各居村委今晚8点前完成排查。")
    return directive_publish(actor=actor, target=target, **kw)


def recipients(directive) -> set[str]:  # type: ignore[no-untyped-def]
    return set(Receipt.objects.filter(directive=directive).values_list("person__name", flat=True))


def test_all_committees_reaches_every_committee_person_and_worker_not_town_level(  # type: ignore[no-untyped-def]
    district_officer, town_officer, worker, people
):
    d = publish(district_officer, Target(levels=["committees"]))
    names = recipients(d)
    assert names == {"齐书记", "齐志愿", "齐楼长", "上主任", "上志愿", "钢书记", "qihe2"}
    assert d.recipients_count == Receipt.objects.filter(directive=d).count() == 7


def test_all_towns_level_reaches_town_cadres_and_town_staff(district_officer, town_officer, people):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(levels=["towns"]))
    assert recipients(d) == {"周干部", "zhoujiadu"}


def test_chosen_committee_and_posts_intersect(district_officer, people, committees):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(committees=[committees["T04C027"].pk], posts=["书记", "楼组长"]))
    assert recipients(d) == {"齐书记", "齐楼长"}


def test_posts_alone_mean_those_posts_in_the_publishers_scope(town_officer, people):  # type: ignore[no-untyped-def]
    d = publish(town_officer, Target(posts=["书记", "主任"]))
    assert recipients(d) == {"齐书记", "上主任"}  # not 钢书记 of another town


def test_named_people_are_added(district_officer, people, committees):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(committees=[committees["T04C001"].pk], people=[people["shanggang_secretary"].pk]))
    assert recipients(d) == {"上主任", "上志愿", "钢书记"}


def test_a_chosen_town_includes_its_committees(district_officer, people):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(towns=[Town.objects.get(code="T01").pk]))
    assert recipients(d) == {"钢书记"}


def test_town_levels_stay_inside_the_town(town_officer, people):  # type: ignore[no-untyped-def]
    d = publish(town_officer, Target(levels=["committees", "towns"]))
    assert recipients(d) == {"齐书记", "齐志愿", "齐楼长", "上主任", "上志愿", "周干部", "zhoujiadu"}


@pytest.mark.parametrize("target", ["committee", "town", "person"])
def test_a_town_cannot_target_outside_its_town(town_officer, people, committees, target):  # type: ignore[no-untyped-def]
    outside = {
        "committee": Target(committees=[committees["T01C001"].pk]),
        "town": Target(towns=[Town.objects.get(code="T01").pk]),
        "person": Target(people=[people["shanggang_secretary"].pk]),
    }[target]
    with pytest.raises(UserError):
        publish(town_officer, outside)
    assert not Receipt.objects.exists()


def test_committee_workers_cannot_publish(worker, people):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="只有区级和街镇工作人员"):
        publish(worker, Target(levels=["committees"]))


def test_empty_target_and_past_deadline_are_refused(district_officer, people):  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="请选择发送范围"):
        publish(district_officer, Target())
    with pytest.raises(UserError, match="截止时间必须晚于现在"):
        publish(district_officer, Target(levels=["committees"]), deadline=timezone.now() - timedelta(minutes=1))


def test_attachment_type_and_size_are_checked(district_officer, people):  # type: ignore[no-untyped-def]
    exe = SimpleUploadedFile("virus.exe", b"MZ")
    with pytest.raises(UserError, match="类型不支持"):
        publish(district_officer, Target(levels=["committees"]), attachments=[exe])
    big = SimpleUploadedFile("plan.pdf", b"x" * (20 * 1024 * 1024 + 1))
    with pytest.raises(UserError, match="超过20MB"):
        publish(district_officer, Target(levels=["committees"]), attachments=[big])


def test_fan_out_count_is_exact_for_every_committee(district_officer, pudong):  # type: ignore[no-untyped-def]
    committees = list(Committee.objects.all())
    Person.objects.bulk_create([
        Person(name=f"志愿者{i}", phone=f"137{i:08d}", post="志愿者", district_id=c.district_id, town_id=c.town_id,
               committee=c)
        for i, c in enumerate(committees * 2)
    ])
    d = publish(district_officer, Target(levels=["committees"]))
    assert d.recipients_count == 2 * len(committees) == 2602
    assert Receipt.objects.filter(directive=d).values("person").distinct().count() == 2602
    r = rollup(district_officer, d)
    assert (r.towns.units, r.committees.units, r.people.people) == (36, 1301, 2602)


def test_read_ack_and_report_record_times(district_officer, people, worker):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(levels=["committees"]))
    receipt = Receipt.objects.select_related("directive").get(directive=d, person=people["qihe_volunteer"])
    assert receipt_read(receipt=receipt) is True
    assert receipt_read(receipt=receipt) is False
    assert receipt_acknowledge(actor=worker, receipt=receipt) is True
    receipt.refresh_from_db()
    assert receipt.read_at is not None and receipt.acknowledged_at >= receipt.read_at
    report = publish(district_officer, Target(levels=["committees"]), reply="report")
    r2 = Receipt.objects.select_related("directive").get(directive=report, person=people["qihe_volunteer"])
    with pytest.raises(UserError, match="请填写完成情况"):
        receipt_report(actor=worker, receipt=r2, text="  ")
    photo = SimpleUploadedFile("site.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    receipt_report(actor=worker, receipt=r2, text="已完成3栋楼排查", photos=[photo])
    r2.refresh_from_db()
    assert r2.reported_at and r2.acknowledged_at and r2.read_at and r2.photos.count() == 1


def test_rollup_counts_units_read_and_confirmed_by_the_stated_rule(district_officer, town_officer, people, worker):  # type: ignore[no-untyped-def]
    d = publish(district_officer, Target(levels=["committees", "towns"]))
    receipts = {r.person.name: r for r in Receipt.objects.filter(directive=d).select_related("person", "directive")}
    receipt_read(receipt=receipts["齐志愿"])
    receipt_acknowledge(actor=worker, receipt=receipts["上主任"])
    r = rollup(district_officer, d)
    assert (r.people.people, r.people.read, r.people.done) == (9, 2, 1)
    assert (r.committees.units, r.committees.units_read, r.committees.units_done) == (3, 2, 1)
    assert (r.towns.units, r.towns.units_read, r.towns.units_done) == (2, 1, 1)
    t04 = {row.name: row for row in rollup(district_officer, d, town_id=Town.objects.get(code="T04").pk).rows}
    assert (t04["齐河第二社区"].people, t04["齐河第二社区"].read, t04["齐河第二社区"].done) == (4, 1, 0)
    assert t04["街镇本级"].people == 2
    town_view = rollup(town_officer, d)
    assert town_view.people.people == 8 and town_view.committees.units == 2


def test_unit_tallies_always_equal_a_recount_of_the_receipts(district_officer, people, worker):  # type: ignore[no-untyped-def]
    from django.db.models import Count

    from fangkong.office.models import UnitTally

    d = publish(district_officer, Target(levels=["committees", "towns"]), reply="report")
    receipts = list(Receipt.objects.filter(directive=d).select_related("directive").order_by("pk"))
    receipt_read(receipt=receipts[0])
    receipt_read(receipt=receipts[0])
    receipt_report(actor=worker, receipt=receipts[1], text="已落实")
    receipt_read(receipt=receipts[2])
    receipt_report(actor=worker, receipt=receipts[2], text="已落实")
    recount = {
        (r["town_id"], r["committee_id"]): (r["n"], r["read"], r["ack"], r["rep"])
        for r in Receipt.objects.filter(directive=d).values("town_id", "committee_id")
        .annotate(n=Count("id"), read=Count("read_at"), ack=Count("acknowledged_at"), rep=Count("reported_at"))
    }
    tallies = {
        (t.town_id, t.committee_id): (t.people, t.read, t.acknowledged, t.reported) for t in UnitTally.objects.filter(directive=d)
    }
    assert tallies == recount
    assert sum(v[1] for v in tallies.values()) == 3 and sum(v[3] for v in tallies.values()) == 2

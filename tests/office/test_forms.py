"""智能填表, the services: publishing to units or people, prefill, validation messages per field
kind, history on edit, the deadline, 一键提醒未填 with its cooldown."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.core.errors import UserError
from fangkong.core.models import OutboundMessage
from fangkong.office.directives import Target
from fangkong.office.models import FormAssignment, FormSubmission, Receipt, Reminder
from fangkong.office.queries import person_of
from fangkong.office.reminders import CoolingDown
from fangkong.office.services_forms import AnswerErrors, form_remind, form_submit, prefill_values
from fangkong.office.validation_forms import FieldSpec

from .forms_support import VALID_ID, answers, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(district_officer: Any, people: dict[str, Any], worker: Any) -> Any:
    return publish(district_officer)


def qihe_assignment(form: Any, committees: dict[str, Any]) -> FormAssignment:
    return FormAssignment.objects.get(form=form, committee=committees["T04C027"])


def submit(form: Any, worker: Any, committees: dict[str, Any], **overrides: Any) -> Any:
    a = qihe_assignment(form, committees)
    return form_submit(actor=worker, person=person_of(worker), assignment=a, raw=answers(**overrides),
                       org_units={committees["T04C001"].pk: "周家渡街道 · 上南一村"})


def errors_of(form: Any, worker: Any, committees: dict[str, Any], **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(AnswerErrors) as exc:
        submit(form, worker, committees, **overrides)
    return exc.value.errors


def test_a_unit_form_expects_one_submission_per_committee_with_recipients(form: Any, committees: dict[str, Any]) -> None:
    units = set(FormAssignment.objects.filter(form=form).values_list("committee__code", flat=True))
    assert units == {"T04C027", "T04C001", "T01C001"} and form.expected == 3
    assert Receipt.objects.filter(directive=form.directive).count() == 7  # everyone gets it in the inbox


def test_a_person_form_expects_one_submission_per_recipient(district_officer: Any, people: dict[str, Any]) -> None:
    form = publish(district_officer, mode="person", target=Target(posts=["书记"]))
    assert set(FormAssignment.objects.filter(form=form).values_list("person__name", flat=True)) == {"齐书记", "钢书记"}


def test_prefill_brings_the_unit_name_and_its_people_count(form: Any, committees: dict[str, Any], worker: Any) -> None:
    a = qihe_assignment(form, committees)
    values = prefill_values(form, a, person_of(worker), list(form.fields.all()))
    assert values == {"f1": "齐河第二社区", "f2": 4}  # 3 imported people and the worker's account


def test_a_valid_submission_stores_typed_values(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    submit(form, worker, committees, f8=str(committees["T04C001"].pk))
    a = qihe_assignment(form, committees)
    assert a.data["f2"] == 12 and a.data["f5"] == ["口罩", "测温枪"] and a.data["f8"]["name"] == "周家渡街道 · 上南一村"
    assert a.data["f10"] == [{"c1": "张三", "c2": "110105194912310022", "c3": "阴性"}]  # the blank row is dropped
    assert a.version == 1 and a.submitted_at is not None and a.filler_name == "qihe2"


@pytest.mark.parametrize(("key", "value", "message"), [
    ("f1", "", "此项为必填。"),
    ("f2", "十二", "请填写数字，例如 12 或 3.5。"),
    ("f2", "3.5", "请填写整数。"),
    ("f2", "501", "不能大于500。"),
    ("f2", "-1", "不能小于0。"),
    ("f3", "2026/13/01", "请按“年-月-日”填写日期，例如 2026-11-26。"),
    ("f4", "", "此项为必填，请选择。"),
    ("f4", "也许", "请从给出的选项中选择。"),
    ("f5", ["口罩", "酒精"], "请从给出的选项中选择。"),
    ("f6", "310115198001010013", "身份证号码校验位不正确，请核对是否有输错的数字。"),
    ("f6", "3101151980", "身份证号码应为18位，您填写了10位。"),
    ("f7", "1391234", "请填写11位中国大陆手机号码，用于接收短信。"),
    ("f8", "999999", "所选单位不存在或不在可选范围内。"),
])
def test_each_field_kind_says_what_is_wrong_in_chinese(form: Any, worker: Any, committees: dict[str, Any], key: str,
                                                       value: Any, message: str) -> None:
    assert errors_of(form, worker, committees, **{key: value})[key] == [message]


def test_a_table_row_error_names_the_row_and_the_column(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    rows = [{"c1": "张三", "c2": VALID_ID, "c3": "阴性"}, {"c1": "", "c2": "310115198001010013", "c3": "待定"}]
    assert errors_of(form, worker, committees, f10=rows)["f10"] == [
        "第2行“姓名”：此项为必填。",
        "第2行“身份证号”：身份证号码校验位不正确，请核对是否有输错的数字。",
        "第2行“结果”：请从给出的选项中选择。",
    ]


def test_a_file_of_the_wrong_type_or_too_big_is_refused(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    exe = SimpleUploadedFile("台账.exe", b"MZ")
    assert errors_of(form, worker, committees, f9=exe)["f9"] == ["文件类型不支持，只能上传：.pdf .xlsx。"]
    big = SimpleUploadedFile("台账.pdf", b"%PDF" + b"0" * (1024 * 1024))
    assert errors_of(form, worker, committees, f9=big)["f9"] == ["文件超过1MB，请压缩后再上传。"]


def test_a_file_is_kept_when_the_next_version_uploads_none(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    submit(form, worker, committees, f9=SimpleUploadedFile("台账.pdf", b"%PDF-1.4"))
    submit(form, worker, committees, f2="13")
    a = qihe_assignment(form, committees)
    assert a.data["f9"]["name"] == "台账.pdf" and a.version == 2


def test_editing_before_the_deadline_keeps_every_version(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    submit(form, worker, committees, f2="12")
    first_at = qihe_assignment(form, committees).submitted_at
    submit(form, worker, committees, f2="15")
    a = qihe_assignment(form, committees)
    assert a.data["f2"] == 15 and a.version == 2 and a.submitted_at == first_at
    history = FormSubmission.objects.filter(assignment=a).order_by("number")
    assert [v.data["f2"] for v in history] == [12, 15]


def test_after_the_deadline_nothing_can_be_submitted(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    type(form).objects.filter(pk=form.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(UserError, match="已过截止时间"):
        submit(form, worker, committees)
    assert not FormSubmission.objects.exists()


def test_before_it_opens_nothing_can_be_submitted(form: Any, worker: Any, committees: dict[str, Any]) -> None:
    type(form).objects.filter(pk=form.pk).update(opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(UserError, match="表单尚未开始填写"):
        submit(form, worker, committees)


def test_the_builder_refuses_a_choice_without_options_and_a_mismatched_prefill(district_officer: Any, people: Any) -> None:
    with pytest.raises(UserError, match="第1题：单选和多选题至少要有两个选项"):
        publish(district_officer, fields=[FieldSpec(label="结果", kind="choice", options={"choices": ["是"]})])
    with pytest.raises(UserError, match="不能预填到日期题"):
        publish(district_officer, fields=[FieldSpec(label="日期", kind="date", prefill="unit_name")])


def test_remind_texts_only_the_people_of_units_that_have_not_filled(
    form: Any, worker: Any, committees: dict[str, Any], district_officer: Any, people: dict[str, Any]
) -> None:
    submit(form, worker, committees)
    reminder = form_remind(actor=district_officer, form=form)
    texted = set(OutboundMessage.objects.filter(template="office_directive_reminder").values_list("recipient", flat=True))
    assert texted == {people[k].phone for k in ("shangnan_director", "shangnan_volunteer", "shanggang_secretary")}
    assert reminder.people == 3 and reminder.sms == 3
    assert set(FormAssignment.objects.filter(reminders=1).values_list("committee__code", flat=True)) == {"T04C001", "T01C001"}


def test_a_second_reminder_within_five_minutes_is_refused_and_logged_once(form: Any, district_officer: Any) -> None:
    form_remind(actor=district_officer, form=form)
    with pytest.raises(CoolingDown, match="5分钟内只能提醒一次"):
        form_remind(actor=district_officer, form=form)
    assert Reminder.objects.filter(directive=form.directive).count() == 1
    Reminder.objects.update(at=timezone.now() - timedelta(minutes=5, seconds=1))
    form_remind(actor=district_officer, form=form)
    assert Reminder.objects.filter(directive=form.directive).count() == 2


def test_a_town_reminds_only_its_own_units(form: Any, town_officer: Any, people: dict[str, Any]) -> None:
    reminder = form_remind(actor=town_officer, form=form)
    texted = set(OutboundMessage.objects.filter(template="office_directive_reminder").values_list("recipient", flat=True))
    assert people["shanggang_secretary"].phone not in texted and reminder.town_id == town_officer.town_id
    assert FormAssignment.objects.get(committee__code="T01C001").reminders == 0


def test_a_form_published_from_an_english_page_is_announced_in_chinese(district_officer: Any, people: Any) -> None:
    from django.utils import translation

    with translation.override("en"):
        form = publish(district_officer)
    assert form.directive.title.startswith("【填表】") and "去填写" in form.directive.body

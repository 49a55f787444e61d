"""The booking form, shared by the resident page and the JSON API (same rules, same messages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.addresses.models import StandardAddress
from fangkong.orgs import cache as org_cache
from fangkong.orgs.models import Town

from .identity import validate_id_number, validate_mobile, validate_person_name
from .models import IdType

MAX_MEMBERS = 5


@dataclass(frozen=True)
class Person:
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class BookingData:
    applicant: Person
    phone: str
    address: StandardAddress | None
    address_text: str
    town: Town
    household_size: int
    members: tuple[Person, ...] = ()
    email: str = ""


# In model order, as Model.from_db wants them (the other columns stay deferred).
_ADDRESS_FIELDS = tuple(
    f.attname
    for f in StandardAddress._meta.concrete_fields
    if f.attname in {"id", "address_id", "district_id", "town_id", "committee_id", "compound", "label", "lane"}
)


def address_for_booking(address_id: str) -> StandardAddress | None:
    """One indexed single-table query (hand-written: the ORM's query building cost more than
    the query); town and committee come from the per-process org cache."""
    table = StandardAddress._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_ADDRESS_FIELDS)} FROM {table} WHERE address_id = %s",  # noqa: S608
            [address_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    address = StandardAddress.from_db(connection.alias, _ADDRESS_FIELDS, row)
    town, committee = org_cache.town(address.town_id), org_cache.committee(address.committee_id)
    if town is None or committee is None:
        return None
    address.town, address.committee = town, committee
    return address


def resolve_address(data: dict, add_error: Callable[[str, str], None]) -> None:
    """The address part of the booking form's ``clean`` (shared with the API's validation):
    a chosen standard address gives the town and committee; a typed one needs its town, named
    in the text or chosen. Sets ``address``, ``town`` and ``address_text`` in ``data``."""
    address_id = (data.get("address_id") or "").strip()
    address_text = " ".join((data.get("address_text") or "").split())
    data["address"] = None
    if address_id:
        address = address_for_booking(address_id)
        if address is None:
            add_error("address_id", _("所选地址不存在，请重新搜索选择。"))
            return
        data["address"] = address
        data["town"] = address.town
        data["address_text"] = address.label
        return
    if not address_text:
        add_error("address_id", _("请搜索并选择居住地址；找不到时请手动填写。"))
        return
    if len(address_text) < 4:
        add_error("address_text", _("地址太短，请写明路名、弄号、门牌号和室号。"))
        return
    data["address_text"] = address_text
    town = _town_for_text(address_text, (data.get("town_code") or "").strip(), add_error)
    if town is None:
        add_error("town_code", _("无法从地址判断所在街镇，请选择所在街镇。"))
        return
    data["town"] = town


def _town_for_text(text: str, town_code: str, add_error: Callable[[str, str], None]) -> Town | None:
    if town_code:
        town = Town.objects.filter(code=town_code).first()
        if town is None:
            add_error("town_code", _("所选街镇不存在。"))
        return town
    named = [t for t in Town.objects.only("id", "name", "code", "district_id") if t.name in text]
    return named[0] if len(named) == 1 else None


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=60, required=False)
    id_type = forms.ChoiceField(label=gettext_lazy("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID, required=False)
    id_number = forms.CharField(label=gettext_lazy("证件号码"), max_length=40, required=False)

    def clean_name(self) -> str:
        return validate_person_name(self.cleaned_data.get("name", ""))

    def clean(self) -> dict:
        data = super().clean() or {}
        id_type = data.get("id_type") or IdType.RESIDENT_ID
        data["id_type"] = id_type
        try:
            data["id_number"] = validate_id_number(id_type, self.cleaned_data.get("id_number", ""))
        except ValidationError as exc:
            self.add_error("id_number", exc)
        return data

    def person(self) -> Person:
        return Person(self.cleaned_data["name"], self.cleaned_data["id_type"], self.cleaned_data["id_number"])


class MemberForm(PersonForm):
    """A household member booked by proxy; an entirely empty row is ignored."""

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(f)) or "").strip() for f in ("name", "id_number"))


class BookingForm(PersonForm):
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=32, required=False)
    address_id = forms.CharField(label=gettext_lazy("居住地址"), max_length=32, required=False, widget=forms.HiddenInput)
    address_text = forms.CharField(label=gettext_lazy("居住地址（未找到时手动填写）"), max_length=200, required=False)
    town_code = forms.CharField(label=gettext_lazy("所在街镇"), max_length=16, required=False)
    household_size = forms.IntegerField(
        label=gettext_lazy("家庭人数"),
        min_value=1,
        max_value=20,
        initial=1,
        error_messages={
            "required": gettext_lazy("请填写家庭人数。"),
            "invalid": gettext_lazy("家庭人数应为数字。"),
            "min_value": gettext_lazy("家庭人数至少为1人。"),
            "max_value": gettext_lazy("家庭人数不能超过20人。"),
        },
    )
    email = forms.EmailField(
        label=gettext_lazy("电子邮箱（选填）"),
        max_length=254,
        required=False,
        error_messages={"invalid": gettext_lazy("电子邮箱格式不正确，例如 name@example.com。")},
    )
    consent = forms.BooleanField(
        label=gettext_lazy("我已阅读并同意隐私声明"),
        error_messages={"required": gettext_lazy("请阅读并勾选同意隐私声明后再提交。")},
    )

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict:
        data = super().clean()
        resolve_address(data, self.add_error)
        return data

    def booking_data(self, members: list[Person]) -> BookingData:
        d = self.cleaned_data
        return BookingData(
            applicant=self.person(),
            phone=d["phone"],
            address=d["address"],
            address_text=d["address_text"],
            town=d["town"],
            household_size=d["household_size"],
            members=tuple(members),
            email=d.get("email") or "",
        )


# The API's fields in the form's order, with the form's own field objects: ``Field.clean`` is
# the same conversion, validators and messages as in ``BookingForm``.
_API_FIELDS = tuple(BookingForm.base_fields.items())
_FIELD_CHECKS: dict[str, Callable[[str], str]] = {"name": validate_person_name, "phone": validate_mobile}


def clean_booking_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``BookingForm``'s validation without the form machinery and before the address, for the
    JSON API: the same fields (their own ``clean``), the same ``clean_name``/``clean_phone``
    checks and the ID number by type (``PersonForm.clean``), the same messages in the same order.
    The API never renders the form, so building one per request (bound fields, error lists,
    widgets) was waste. Returns the cleaned values and the errors so far per field."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for name, field in _API_FIELDS:
        try:
            value = field.clean(raw.get(name, ""))
            check = _FIELD_CHECKS.get(name)
            data[name] = check(value) if check is not None else value
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    id_type = data.get("id_type") or IdType.RESIDENT_ID
    data["id_type"] = id_type
    try:
        data["id_number"] = validate_id_number(id_type, data.get("id_number", ""))
    except ValidationError as exc:
        errors.setdefault("id_number", []).extend(exc.messages)
        data.pop("id_number", None)
    return data, errors


def finish_booking_data(data: dict[str, Any], errors: dict[str, list[str]]) -> tuple[BookingData | None, dict[str, list[str]]]:
    """The rest of ``BookingForm.clean`` on ``clean_booking_fields``' result: the address."""

    def add_error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)
        data.pop(field, None)

    resolve_address(data, add_error)
    if errors:
        return None, errors
    return BookingData(
        applicant=Person(data["name"], data["id_type"], data["id_number"]),
        phone=data["phone"],
        address=data["address"],
        address_text=data["address_text"],
        town=data["town"],
        household_size=data["household_size"],
        email=data.get("email") or "",
    ), {}


def validate_booking(raw: dict[str, Any]) -> tuple[BookingData | None, dict[str, list[str]]]:
    """Exactly ``BookingForm(raw).is_valid()``: the booking data without proxy members, or the
    errors per field (tests/booking/test_api_validation.py compares the two)."""
    return finish_booking_data(*clean_booking_fields(raw))


def validate_members(forms_: list[MemberForm], applicant_id: str | None) -> tuple[list[Person], dict[str, list[str]]]:
    """Validate proxy rows; errors are keyed ``members`` with the row number in the message."""
    people: list[Person] = []
    errors: list[str] = []
    seen = {applicant_id} if applicant_id else set()
    for index, form in enumerate(forms_, start=1):
        if form.is_blank():
            continue
        if not form.is_valid():
            for field_errors in form.errors.values():
                errors.extend(
                    _("第{index}位家庭成员：{message}").format(index=index, message=message)
                    for message in field_errors
                )
            continue
        person = form.person()
        if person.id_number in seen:
            errors.append(_("第{index}位家庭成员：证件号码与其他人重复。").format(index=index))
            continue
        seen.add(person.id_number)
        people.append(person)
    if len(people) > MAX_MEMBERS:
        errors.append(_("一次最多为{count}位家庭成员代约。").format(count=MAX_MEMBERS))
    return people, ({"members": errors} if errors else {})

"""Checking and normalising identity documents and phone numbers, with translatable messages.

Resident ID numbers are checked for format, birth date and checksum with python-stdnum, but
not for the birthplace code: ``cn.ric.is_valid`` rejects real IDs whose area code is younger
than the holder (every Pudong 310115 ID of someone born before 1992).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric

from .models import IdType

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_HKMO_PERMIT = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TW_PERMIT = re.compile(r"^\d{8}(\d{2})?$")


def normalise_id_number(value: str) -> str:
    """Full-width to half-width, drop spaces, dashes and a leading apostrophe (Excel), upper-case."""
    value = unicodedata.normalize("NFKC", value or "")
    value = re.sub(r"[\s\-']", "", value)
    return value.upper()


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    number = normalise_id_number(value)
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="required")
    if len(number) != 18:
        raise ValidationError(_("身份证号码应为18位，您填写了{count}位。").format(count=len(number)), code="length")
    if not _RESIDENT_ID.match(number):
        raise ValidationError(_("身份证号码前17位应为数字，最后一位为数字或X。"), code="format")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效，请核对。"), code="birth_date") from None
    if born > (today or date.today()) or born.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期无效，请核对。"), code="birth_date")
    if ric.calc_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对是否有输错的数字。"), code="checksum")
    return number


def validate_id_number(id_type: str, value: str) -> str:
    if id_type == IdType.RESIDENT_ID:
        return validate_resident_id(value)
    number = normalise_id_number(value)
    if not number:
        raise ValidationError(_("请填写证件号码。"), code="required")
    if id_type == IdType.PASSPORT and not _PASSPORT.match(number):
        raise ValidationError(_("护照号码应为5到17位字母或数字。"), code="format")
    if id_type == IdType.HK_MO_PERMIT and not _HKMO_PERMIT.match(number):
        raise ValidationError(_("港澳居民来往内地通行证号码应为H或M开头，后跟8位或10位数字。"), code="format")
    if id_type == IdType.TW_PERMIT and not _TW_PERMIT.match(number):
        raise ValidationError(_("台湾居民来往大陆通行证号码应为8位或10位数字。"), code="format")
    if id_type not in IdType.values:
        raise ValidationError(_("请选择证件类型。"), code="id_type")
    return number


# The common case without parsing: eleven digits starting with 1 (after an optional +86 / 86)
# is a mobile exactly when it matches libphonenumber's own pattern for CN mobiles — no other
# CN number type (fixed lines have area codes 2–9, service numbers are shorter) has eleven
# digits starting with 1, so this is what parse + number_type decide, at a fraction of the cost
# on the booking path (tests/booking/test_identity.py compares both on random numbers).
_CN_ELEVEN = re.compile(r"(?:\+?86)?(1\d{10})")
_CN_MOBILE = re.compile(str(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern))  # type: ignore[union-attr]


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number, accepting +86, 86-, spaces and dashes."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        raise ValidationError(_("请填写手机号码。"), code="required")
    digits = re.sub(r"[\s\-()]", "", raw)
    eleven = _CN_ELEVEN.fullmatch(digits)
    if eleven is not None:
        if _CN_MOBILE.fullmatch(eleven.group(1)):
            return eleven.group(1)
        raise ValidationError(_("该号码不是有效的手机号码，请核对。"), code="not_mobile")
    if not re.fullmatch(r"\+?\d+", digits):
        raise ValidationError(_("手机号码只能包含数字。"), code="format")
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("手机号码格式不正确，请填写11位手机号码。"), code="format") from None
    national = str(parsed.national_number)
    if parsed.country_code != 86 or len(national) != 11 or not national.startswith("1"):
        raise ValidationError(_("请填写11位中国大陆手机号码，用于接收短信。"), code="format")
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("该号码不是有效的手机号码，请核对。"), code="not_mobile")
    return national


def validate_person_name(value: str) -> str:
    name = unicodedata.normalize("NFKC", value or "").strip()
    name = re.sub(r"\s+", " ", name)
    if not name:
        raise ValidationError(_("请填写姓名。"), code="required")
    if len(name) > 30:
        raise ValidationError(_("姓名不能超过30个字。"), code="length")
    if re.search(r"[\d<>{}\[\]@#$%^&*=+|\\/]", name):
        raise ValidationError(_("姓名中不能包含数字或特殊符号。"), code="format")
    return name


def validate_identity(id_type: str, raw_id: str, raw_phone: str) -> tuple[str, str, dict[str, list[str]]]:
    """Check an ID number and a phone together (the resident look-up asks for both): returns
    the normalised values and, per field, the messages of what is wrong."""
    errors: dict[str, list[str]] = {}
    id_number = phone = ""
    try:
        id_number = validate_id_number(id_type or IdType.RESIDENT_ID, raw_id)
    except ValidationError as exc:
        errors["id_number"] = list(exc.messages)
    try:
        phone = validate_mobile(raw_phone)
    except ValidationError as exc:
        errors["phone"] = list(exc.messages)
    return id_number, phone, errors

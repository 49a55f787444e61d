"""ID numbers, phones and names: each invalid input gets its own Chinese message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from fangkong.booking.identity import (
    normalise_id_number,
    validate_id_number,
    validate_mobile,
    validate_person_name,
    validate_resident_id,
)


def with_checksum(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17)


PUDONG_1985 = with_checksum("31011519850312001")  # area code 310115 is younger than the holder


def message_of(func, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        func(*args)
    return info.value.messages[0]


def test_pudong_id_of_someone_born_before_1992_is_accepted() -> None:
    assert validate_resident_id(PUDONG_1985) == PUDONG_1985


def test_lower_case_x_full_width_digits_spaces_and_apostrophe_are_normalised() -> None:
    number = with_checksum("11010519491231002")
    messy = "'" + number.translate(str.maketrans("0123456789", "０１２３４５６７８９")).lower()[:9] + " " + number[9:].lower()
    assert validate_resident_id(messy) == number
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


def test_wrong_check_digit_says_checksum() -> None:
    wrong = PUDONG_1985[:17] + ("0" if PUDONG_1985[17] != "0" else "1")
    assert "校验位" in message_of(validate_resident_id, wrong)


def test_short_id_says_how_many_digits() -> None:
    assert message_of(validate_resident_id, "3101151985") == "身份证号码应为18位，您填写了10位。"


def test_letters_inside_id_say_format() -> None:
    assert "前17位应为数字" in message_of(validate_resident_id, "3101151985A312001X")


def test_impossible_birth_date_is_refused() -> None:
    assert "出生日期" in message_of(validate_resident_id, with_checksum("31011519851332001"))


def test_future_birth_date_is_refused() -> None:
    assert "出生日期" in message_of(validate_resident_id, with_checksum("31011520990101001"))


def test_empty_id_asks_for_it() -> None:
    assert message_of(validate_resident_id, "  ") == "请填写身份证号码。"


@pytest.mark.parametrize(
    ("id_type", "value"),
    [("passport", "E12345678"), ("hkmo_permit", "H12345678"), ("hkmo_permit", "M1234567801"), ("tw_permit", "12345678")],
)
def test_other_documents_accepted(id_type: str, value: str) -> None:
    assert validate_id_number(id_type, value.lower()) == value


@pytest.mark.parametrize(
    ("id_type", "value", "fragment"),
    [("passport", "E1", "护照"), ("hkmo_permit", "X12345678", "港澳"), ("tw_permit", "1234", "台湾")],
)
def test_other_documents_explain_their_format(id_type: str, value: str, fragment: str) -> None:
    assert fragment in message_of(validate_id_number, id_type, value)


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "86-138-1234-5678", "１３８１２３４５６７８"])
def test_mobile_numbers_in_many_notations(raw: str) -> None:
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [("", "请填写手机号码"), ("1381234567", "11位"), ("021-58881234", "手机"), ("138abc45678", "只能包含数字"), ("+1 415 555 0100", "中国大陆")],
)
def test_bad_mobile_numbers_explain(raw: str, fragment: str) -> None:
    assert fragment in message_of(validate_mobile, raw)


def test_names_are_trimmed_and_checked() -> None:
    assert validate_person_name("  王 小明 ") == "王 小明"
    assert message_of(validate_person_name, "") == "请填写姓名。"
    assert "数字" in message_of(validate_person_name, "王2")


def _mobile_by_parsing(digits: str) -> str | None:
    """What parse + number_type (the general path of validate_mobile) decide for ``digits``."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    national = str(parsed.national_number)
    if parsed.country_code != 86 or len(national) != 11 or not national.startswith("1"):
        return None
    if phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return national


def test_the_eleven_digit_shortcut_decides_as_libphonenumber_does() -> None:
    import random

    from django.core.exceptions import ValidationError

    rng = random.Random(20200203)
    numbers = [f"1{rng.randrange(10**10):010d}" for _ in range(20_000)]
    numbers += [f"1{p}{rng.randrange(10**8):08d}" for p in range(100) for _ in range(20)]  # every 2-digit prefix
    seen = {True: 0, False: 0}
    for number in numbers:
        for raw in (number, "+86" + number, "86" + number):
            expected = _mobile_by_parsing(raw)
            try:
                got: str | None = validate_mobile(raw)
            except ValidationError:
                got = None
            assert got == expected, raw
            seen[expected is not None] += 1
    assert seen[True] > 1000 and seen[False] > 1000  # both outcomes were exercised

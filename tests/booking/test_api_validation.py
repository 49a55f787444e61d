"""The API's plain validation (``forms.validate_booking``) says exactly what ``BookingForm`` says:
same errors, same messages, same order, same cleaned values, for valid and awkward input."""

from __future__ import annotations

import pytest
from django.utils import translation

from fangkong.booking.forms import BookingForm, validate_booking
from tests.booking.helpers import resident_id

pytestmark = pytest.mark.django_db


def base(address_id: str) -> dict[str, str]:
    return {
        "name": "王小明", "id_type": "resident_id", "id_number": resident_id(), "phone": "13812345678",
        "address_id": address_id, "address_text": "", "town_code": "", "household_size": "3", "consent": "on",
        "email": "",
    }


CASES: list[dict[str, str]] = [
    {},
    {"name": ""},
    {"name": "  王  小明 "},
    {"name": "王" * 31},
    {"name": "王" * 61},
    {"name": "王1明"},
    {"name": "王\x00明"},
    {"id_type": "bogus"},
    {"id_type": "", "id_number": ""},
    {"id_type": "passport", "id_number": "e1234567"},
    {"id_type": "passport", "id_number": "12"},
    {"id_type": "hk_mo_permit", "id_number": "H12345678"},
    {"id_type": "tw_permit", "id_number": "1234"},
    {"id_number": "123"},
    {"id_number": "1" * 41},
    {"id_number": "310115198501010010"},
    {"id_number": "３１０１１５１９８５ｘ"},
    {"phone": ""},
    {"phone": "+86 138-1234-5678"},
    {"phone": "138123456789"},
    {"phone": "1" * 33},
    {"phone": "abc"},
    {"phone": "02112345678"},
    {"household_size": ""},
    {"household_size": "0"},
    {"household_size": "21"},
    {"household_size": "3.0"},
    {"household_size": " 2 "},
    {"household_size": "2.5"},
    {"household_size": "abc"},
    {"email": "x@example.com"},
    {"email": "not-an-email"},
    {"email": "a" * 250 + "@example.com"},
    {"consent": ""},
    {"address_id": "NOPE"},
    {"address_id": "", "address_text": ""},
    {"address_id": "", "address_text": "上南"},
    {"address_id": "", "address_text": "周家渡街道 上南路 3855弄 12号 302室"},
    {"address_id": "", "address_text": "某某路 12号 302室"},
    {"address_id": "", "address_text": "某某路 12号 302室", "town_code": "T04"},
    {"address_id": "", "address_text": "某某路 12号 302室", "town_code": "T99"},
    {"address_id": "X" * 33},
    {"name": "", "id_number": "123", "phone": "123", "household_size": "0", "consent": "", "address_id": "NOPE"},
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_same_errors_and_data_as_the_form(rooms, case, language) -> None:  # type: ignore[no-untyped-def]
    raw = {**base(rooms["qihe_101"].address_id), **CASES[case]}
    with translation.override(language):
        form = BookingForm(raw)
        valid = form.is_valid()
        expected = [(field, [str(m) for m in messages]) for field, messages in form.errors.items()]
        data, errors = validate_booking(raw)
    assert list(errors.items()) == expected
    assert (data is not None) == valid
    if data is not None:
        assert data == form.booking_data([])

from fangkong.core.masking import mask_id_number, mask_name, mask_phone


def test_id_numbers_keep_area_code_and_last_four() -> None:
    assert mask_id_number("110105194912310021") == "110105********0021"


def test_short_documents_keep_two_and_two() -> None:
    assert mask_id_number("E12345678") == "E1*****78"


def test_phones_keep_prefix_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_names_keep_the_surname() -> None:
    assert (mask_name("王明"), mask_name("王小明"), mask_name("")) == ("王*", "王**", "")


def test_emails_keep_first_letter_and_domain() -> None:
    from fangkong.core.masking import mask_email

    assert mask_email("wang.xiaoming@example.com") == "w***@example.com"

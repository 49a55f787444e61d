"""English next to the Chinese source: pages, messages and the catalogue in ``locale/``.

Chinese is the source language (the msgids are the Chinese texts), so with no preference the
site must answer exactly as before; ``Accept-Language: en`` or the ``set_language`` cookie
switch pages, form errors and API errors to English. SMS stay Chinese whatever the request.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from fangkong.core.messaging import render_message
from fangkong.core.models import OutboundMessage
from tests.booking.helpers import payload, resident_id

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
BAD_CHECKSUM = "310115198503120010"  # valid format and birth date, wrong check digit


@pytest.fixture(autouse=True)
def _default_language_afterwards():  # type: ignore[no-untyped-def]
    """LocaleMiddleware leaves the request's language active on the thread: reset it, so the
    tests that run after these (and call gettext outside a request) see Chinese again."""
    yield
    translation.deactivate()


def _api_post(client, path, data, **headers):  # type: ignore[no-untyped-def]
    return client.post(path, data=json.dumps(data), content_type="application/json", **headers)


# --- pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chinese_stays_the_default_without_a_preference(client, open_round) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/r/{open_round.pk}/")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ["提交预约", "居住地址", "我已阅读并同意", "浦东新区疫情防控 · 如需帮助请联系所在居委会"]:
        assert text in html, text
    assert "Submit booking" not in html
    assert "Accept-Language" in response["Vary"]  # caches keep the languages apart


@pytest.mark.django_db
def test_a_wechat_browser_in_chinese_gets_chinese(client, open_round) -> None:  # type: ignore[no-untyped-def]
    html = client.get(f"/r/{open_round.pk}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8").content.decode()
    assert '<html lang="zh-hans">' in html and "提交预约" in html


@pytest.mark.django_db
def test_booking_page_in_english(client, open_round) -> None:  # type: ignore[no-untyped-def]
    html = client.get(f"/r/{open_round.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    for text in [
        "Submit booking",
        "Home address",
        "Resident ID card",  # IdType label (TextChoices)
        'I have read and agree to the <a href="#privacy">privacy notice</a>',
        "For help, please contact your residents' committee",
    ]:
        assert text in html, text
    # The deadline in the English date format ("Dec 2, 18:00"), not "12月2日 18:00".
    assert re.search(r"Bookings close on [A-Z][a-z]{2} \d{1,2}, \d\d:\d\d\.", html)
    for text in ["提交预约", "居住地址", "请选择"]:
        assert text not in html, text
    assert not re.search(r"\d+月\d+日", html)


@pytest.mark.django_db
def test_form_errors_on_the_page_in_english(client, open_round) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/r/{open_round.pk}/",
        {"name": "", "id_number": BAD_CHECKSUM, "phone": "12", "household_size": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 422
    for text in [
        "Please correct the fields marked in red and submit again.",
        "Please enter a name.",
        "The check digit of the resident ID number is wrong.",
        "Household size must be a number.",
        "Please read the privacy notice and tick the box to agree before submitting.",
    ]:
        assert text in html, text


@pytest.mark.django_db
def test_language_cookie_from_the_footer_switch(client, open_round) -> None:  # type: ignore[no-untyped-def]
    page = f"/r/{open_round.pk}/"
    html = client.get(page).content.decode()
    # The footer's no-JavaScript form: POST to set_language, back to this very page.
    assert '<form class="lang-switch" action="/i18n/setlang/" method="post"' in html
    assert f'<input type="hidden" name="next" value="{page}">' in html
    assert 'name="language" value="en"' in html and 'value="zh-hans" lang="zh-hans" aria-pressed="true" disabled' in html

    response = client.post("/i18n/setlang/", {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    english = client.get(page).content.decode()  # no Accept-Language: the cookie decides
    assert "Submit booking" in english and "提交预约" not in english
    assert 'value="en" lang="en" aria-pressed="true" disabled' in english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": page})
    assert "提交预约" in client.get(page).content.decode()


@pytest.mark.django_db
def test_desk_in_english(client, worker, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    _api_post(client, f"/api/v1/rounds/{open_round.pk}/bookings", payload(rooms["qihe_101"]))
    client.force_login(worker)
    html = client.get(f"/desk/rounds/{open_round.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in [
        "Booking list",
        "Pending review",  # BookingStatus label
        "Committee social worker",  # Role label
        "Log out",
        "1 booking, in order of registration.",  # singular of the plural entry
        "Personal data is masked by default",
    ]:
        assert text in html, text
    for text in ["预约名单", "待审核", "退出", "脱敏"]:
        assert text not in html, text


@pytest.mark.django_db
def test_desk_messages_and_404_in_english(client, district_officer, open_round) -> None:  # type: ignore[no-untyped-def]
    client.force_login(district_officer)
    response = client.post(
        f"/desk/rounds/{open_round.pk}/status/", {"status": "allocated"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "A round cannot change from “Open” to “Allocated”." in response.content.decode()
    missing = client.get("/desk/bookings/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "Booking not found" in missing.content.decode()


# --- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_id_checksum_message_in_english(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    path = f"/api/v1/rounds/{open_round.pk}/bookings"
    data = payload(rooms["qihe_101"], id_number=BAD_CHECKSUM)
    english = _api_post(client, path, data, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert english.json()["errors"]["id_number"] == [
        "The check digit of the resident ID number is wrong. Please check for mistyped digits."
    ]
    chinese = _api_post(client, path, data)
    assert chinese.json()["errors"]["id_number"] == ["身份证号码校验位不正确，请核对是否有输错的数字。"]


@pytest.mark.django_db
def test_api_type_errors_in_english(client, open_round) -> None:  # type: ignore[no-untyped-def]
    body = _api_post(
        client, f"/api/v1/rounds/{open_round.pk}/bookings", {"consent": "maybe", "members": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert body["errors"]["consent"] == ["Must be true or false."]
    assert body["errors"]["members"] == ["Must be a list."]


@pytest.mark.django_db
def test_sms_stay_chinese_for_an_english_request(client, open_round, rooms) -> None:  # type: ignore[no-untyped-def]
    data = payload(rooms["qihe_101"], id_number=resident_id())
    assert _api_post(client, f"/api/v1/rounds/{open_round.pk}/bookings", data, HTTP_ACCEPT_LANGUAGE="en").status_code == 201
    message = OutboundMessage.objects.get(template="booking_created")
    with translation.override("en"):
        text = render_message(message.template, message.variables)
    assert text.startswith("【") and "您已成功预约口罩 · 第二轮" in text


# --- the catalogue --------------------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a PO string is a C string literal: "…" with \" \\ \n escapes


def parse_po(path: Path) -> list[dict]:
    """A tiny PO reader: each entry's flags, msgid, msgid_plural, msgstr / msgstr[n]."""
    entries: list[dict] = []
    entry: dict = {}
    key = ""

    def flush() -> None:
        if "msgid" in entry:
            entries.append(dict(entry))
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            key = ""
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            if key == "msgid" and "msgid" in entry:
                flush()
            entry[key] = _unquote(value)
    flush()
    return entries


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    return sorted(re.findall(r"%\((\w+)\)s", text)), sorted(re.findall(r"\{(\w+)\}", text))


def test_english_catalogue_is_complete_and_compiled() -> None:
    entries = parse_po(PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header.get("flags", set())
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert len(messages) > 250
    problems = []
    for e in messages:
        if e.get("obsolete"):
            problems.append(f"obsolete entry: {e['msgid']}")
        if "fuzzy" in e.get("flags", set()):
            problems.append(f"fuzzy: {e['msgid']}")
        translations = [v for k, v in e.items() if k.startswith("msgstr")]
        if not translations or not all(translations):
            problems.append(f"untranslated: {e['msgid']}")
        for text in translations:
            if _placeholders(text) != _placeholders(e["msgid"]):
                problems.append(f"placeholders differ: {e['msgid']!r} -> {text!r}")
            if CHINESE.search(text) and not re.search(r"e\.g\.", text):
                problems.append(f"Chinese left in the English text: {text!r}")
    assert not problems, "\n".join(problems)

    # The committed .mo is the compiled .po (run `manage.py compilemessages` after editing it).
    with MO.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    compiled = {k: v for k, v in catalog.items() if k != ""}
    expected: dict = {}
    for e in messages:
        if "msgid_plural" in e:
            expected.update({(e["msgid"], int(k[7:-1])): v for k, v in e.items() if k.startswith("msgstr[")})
        else:
            expected[e["msgid"]] = e["msgstr"]
    assert compiled == expected, "locale/en/LC_MESSAGES/django.mo is stale: run manage.py compilemessages"


def test_templates_mark_every_chinese_text_for_translation() -> None:
    """Guard: new template text must go through {% translate %} / {% blocktranslate %}."""
    leftovers = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{% blocktranslate.*?%\}.*?\{% endblocktranslate %\}", "", text, flags=re.S)
        text = re.sub(r"\{% translate (\"[^\"]*\"|'[^']*')[^%]*%\}", "", text)
        text = re.sub(r"_\(\"[^\"]*\"\)", "", text)
        text = re.sub(r"\{#.*?#\}", "", text)
        found = CHINESE.findall(text)
        if found:
            leftovers[str(path.relative_to(TEMPLATES))] = "".join(found)
    assert not leftovers, f"Chinese text not marked for translation (SMS templates are .txt and exempt): {leftovers}"

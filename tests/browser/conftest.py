"""Fixtures of the browser tests: one chromium per session, a fresh context per device and test.

The site runs in pytest-django's ``live_server`` thread (static files through the finders) on
a transactional database, so what a test creates with the ORM is committed and visible to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import CHROMIUM, LAUNCH_ARGS, NO_CHROMIUM, screenshot

# Standard addresses as the real importer reads them: three rooms of one building in 齐河第二社区
# and one in 上南一村, so search keys are whatever fangkong.addresses.keys makes of them.
ADDRESS_CSV = """\
address_id,town_code,town,committee_code,committee,road,lane,number,compound,building,room,lng,lat
A90100101,T04,周家渡街道,T04C027,齐河第二社区,航亭环路,,1343,齐河柏公寓,1,101,121.614975,31.098363
A90100102,T04,周家渡街道,T04C027,齐河第二社区,航亭环路,,1343,齐河柏公寓,1,102,121.614975,31.098363
A90100103,T04,周家渡街道,T04C027,齐河第二社区,航亭环路,,1343,齐河柏公寓,1,103,121.614975,31.098363
A90100201,T04,周家渡街道,T04C001,上南一村,金桥路,3914,1,上南一村,,101,121.731441,31.152716
"""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # Lets a fixture's teardown know whether the test failed (to keep a screenshot of it).
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop on this thread; Django would refuse the ORM
    # calls the tests make between page actions. The site itself runs in another thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server: Any, transactional_db: None, settings: Any) -> Any:
    """The running site; the round's QR code points at it."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def open_page(
    chromium: Any, site: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """``open_page(PHONE)`` → a page in a new browser context (own cookies) on the live site."""
    contexts: list[Any] = []

    def open_(device: dict[str, Any], *, javascript: bool = True) -> Any:
        context = chromium.new_context(**device, java_script_enabled=javascript, base_url=site.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    call = getattr(request.node, "rep_call", None)
    for n, context in enumerate(contexts):
        if call is not None and call.failed:
            for m, page in enumerate(context.pages):
                screenshot(page, f"FAILED-{request.node.name}-{n}-{m}")
        context.close()


@pytest.fixture
def qihe_rooms(committees: Any, tmp_path: Path) -> dict[str, Any]:
    """The rooms of ``ADDRESS_CSV``, imported by the real importer, by address id."""
    from fangkong.addresses.models import StandardAddress
    from fangkong.addresses.services import address_import_csv

    path = tmp_path / "addresses.csv"
    path.write_text(ADDRESS_CSV, encoding="utf-8")
    report = address_import_csv(path=path)
    assert report.error_count == 0, report.errors
    return {a.address_id: a for a in StandardAddress.objects.select_related("committee")}

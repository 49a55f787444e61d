"""What the browser tests share: Debian's chromium, the devices they play, where screenshots go.

The tests drive the system chromium (``apt-get install chromium fonts-noto-cjk``), never a
browser downloaded by ``playwright install``; without it they skip, so ``make test`` passes on
a machine that lacks it (CI installs it, see ``.ci/run``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

# FANGKONG_CHROMIUM points elsewhere (another machine's chromium; a missing path to see the skip).
CHROMIUM = Path(os.environ.get("FANGKONG_CHROMIUM") or "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# open_page(device, javascript=True) -> a Playwright page (see conftest.open_page).
OpenPage = Callable[..., Any]
Rooms = dict[str, Any]  # address_id -> fangkong.addresses.models.StandardAddress
SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"

# A resident scanning the poster's QR code with WeChat on an Android phone.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 "
        "XWEB/1300259 MMWEBSDK/20241103 MicroMessenger/8.0.54.2760(0x28003637) WeChat/arm64 "
        "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
    ),
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
# A committee office PC.
DESKTOP: dict[str, Any] = {
    "viewport": {"width": 1366, "height": 900},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}

NO_CHROMIUM = (
    f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
)
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save ``test-artifacts/screenshots/<name>.png`` (git-ignored; CI keeps it as an artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path

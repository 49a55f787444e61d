"""The pickup window of a voucher: N working days from the next working day.

The window opens at 00:00 (Asia/Shanghai) of the first working day after the approval and
closes at 24:00 of the N-th working day counted from there (N: ``RoundPickupSetting.window_days``,
default 3); weekend days in between stay inside the window (pharmacies open on weekends).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from fangkong.booking.workdays import next_workday

DEFAULT_WINDOW_DAYS = 3


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def pickup_window(issued_at: datetime, days: int = DEFAULT_WINDOW_DAYS) -> tuple[datetime, datetime]:
    first = next_workday(timezone.localtime(issued_at).date())
    last = first
    for _step in range(max(days, 1) - 1):
        last = next_workday(last)
    return _midnight(first), _midnight(last + timedelta(days=1))


def window_label(start: datetime, end: datetime) -> str:
    """``11月26日至11月30日`` (the last day is the one before ``end``'s midnight)."""
    first = timezone.localtime(start).date()
    last = (timezone.localtime(end) - timedelta(seconds=1)).date()
    if first == last:
        return f"{first.month}月{first.day}日"
    return f"{first.month}月{first.day}日至{last.month}月{last.day}日"


def window_display(start: datetime, end: datetime) -> str:
    """``window_label`` in the active language, for pages and messages on screen (SMS and the
    printed voucher keep ``window_label``: they stay Chinese)."""
    first = timezone.localtime(start).date()
    last = (timezone.localtime(end) - timedelta(seconds=1)).date()
    day = _("n月j日")
    if first == last:
        return dateformat.format(first, day)
    return _("{first}至{last}").format(first=dateformat.format(first, day), last=dateformat.format(last, day))

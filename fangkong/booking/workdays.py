"""Chinese working days (with 调休) and the verification deadline of a booking.

Working days come from ``chinese-calendar``, which carries the State Council's yearly holiday
schedule, including weekend days that are worked (调休) and extraordinary extensions (the 2020
Spring Festival holiday ran to 2 February). For a year the package does not know yet it raises
``NotImplementedError``; we then fall back to Monday–Friday so the desk keeps working until the
package is updated (the schedule for a year is published each November or December).

The deadline: a booking must be reviewed by the end of the first working day after the day it
was registered (registered Friday evening or Saturday → end of Monday; registered the Saturday
before a 调休 working Sunday → end of that Sunday).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_workday(day: date) -> date:
    """The first working day strictly after ``day``."""
    candidate = day + timedelta(days=1)
    while not is_workday(candidate):
        candidate += timedelta(days=1)
    return candidate


def previous_workday(day: date) -> date:
    """The last working day strictly before ``day``."""
    candidate = day - timedelta(days=1)
    while not is_workday(candidate):
        candidate -= timedelta(days=1)
    return candidate


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def verification_deadline(registered_at: datetime) -> datetime:
    """The moment a booking registered at ``registered_at`` becomes overdue if still pending."""
    registered_on = timezone.localtime(registered_at).date()
    return _local_midnight(next_workday(registered_on) + timedelta(days=1))


def overdue_cutoff(now: datetime | None = None) -> datetime:
    """Pending bookings registered before this moment are overdue at ``now``.

    ``next_workday`` never decreases, so the overdue bookings are exactly those registered
    before the last working day before today: one ``created_at <`` filter, usable in SQL.
    """
    today = timezone.localtime(now or timezone.now()).date()
    return _local_midnight(previous_workday(today))

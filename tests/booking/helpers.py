from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from stdnum.cn import ric

_counter = itertools.count(1)


def resident_id(year: int = 1985) -> str:
    """A fresh valid Pudong ID number for each call."""
    n = next(_counter)
    body = f"310115{year}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body)


def payload(address, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "王小明",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "phone": "13812345678",
        "address_id": address.address_id if address else None,
        "household_size": 3,
        "consent": True,
    }
    data.update(overrides)
    return data


def book(round_, room, *, name: str = "王小明", phone: str = "13812345678"):  # type: ignore[no-untyped-def]
    """A resident's booking made through the real service (one person, no proxies)."""
    from fangkong.booking.forms import BookingData, Person
    from fangkong.booking.services import booking_create

    data = BookingData(
        applicant=Person(name, "resident_id", resident_id()),
        phone=phone,
        address=room,
        address_text=room.label,
        town=room.town,
        household_size=1,
    )
    return booking_create(round_=round_, data=data).booking


def run_concurrently(n: int, work):  # type: ignore[no-untyped-def]
    """Run ``work(i)`` for i in range(n) in n threads released together; each closes its DB
    connection afterwards. Returns the results in order."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    barrier = threading.Barrier(n)

    def one(i: int):  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


@contextmanager
def sent_statements() -> Iterator[list[str]]:
    """The queries sent, leaving out the PREPARE a session runs once, on its first booking."""
    from django.db import connection

    seen: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if not sql.startswith("PREPARE "):
            seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen

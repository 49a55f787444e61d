"""Added CPU per request of fangkong.activity's middleware on a cached hit (the common case).

    .venv/bin/python benchmarks/activity_middleware.py [N]

Runs the middleware around a trivial view N times (default 200,000) for a signed-in user
already counted today, against the same view without it, and prints the difference per
request in microseconds (process CPU time, so other load on the machine matters little).
No database is touched: a cached hit runs no query, which the test suite pins.
"""

from __future__ import annotations

import os
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from fangkong.activity import middleware as mw  # noqa: E402


def main(n: int) -> None:
    user = SimpleNamespace(pk=1, is_authenticated=True, district_id=1, town_id=2, committee_id=3)
    request = RequestFactory().get("/office/inbox/1/ack/")
    request.user = user  # type: ignore[assignment]
    request.resolver_match = SimpleNamespace(namespaces=["office"])  # type: ignore[assignment]
    response = HttpResponse("ok")

    def view(r: object) -> HttpResponse:
        return response

    mw.tracker.seen[(1, "office")] = mw._Entry(day=mw.tracker._today(time.time()), org=(1, 2, 3))
    wrapped = mw.ActivityMiddleware(view)
    best_with = best_without = float("inf")
    for _ in range(5):
        t = time.process_time()
        for _ in range(n):
            view(request)
        best_without = min(best_without, time.process_time() - t)
        t = time.process_time()
        for _ in range(n):
            wrapped(request)
        best_with = min(best_with, time.process_time() - t)
    assert mw.tracker.seen[(1, "office")].pending > 0, "the hit was not served from the cache"
    added = (best_with - best_without) / n * 1e6
    print(f"cached hit: {added:.2f} µs CPU added per request (best of 5 × {n:,}; ack path ≈ 3,000 µs)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

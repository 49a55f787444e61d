"""Where one 收到 (acknowledgement) goes: the Django test client POSTs N acks for N distinct
recipients (each with its own session cookie and CSRF token, CSRF enforced) through the same
settings, middleware and PostgreSQL database as the load test, no HTTP server, with every SQL
statement timed, the app thread's and its PostgreSQL backend's CPU from /proc, then the same
under cProfile. Run via ``directive_fanout.py --profile N``.
"""

from __future__ import annotations

import cProfile
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .profile_booking import _backend_cpu, print_statements, report, sql_timer

KEY_FUNCTIONS = [
    ("WSGI handler (whole request)", "base.py", "get_response"),
    ("SessionMiddleware: load (session row)", "backends/db.py", "load"),
    ("SessionMiddleware: save", "backends/db.py", "save"),
    ("AuthenticationMiddleware: user (user row)", "contrib/auth/__init__.py", "get_user"),
    ("CsrfViewMiddleware.process_view", "middleware/csrf.py", "process_view"),
    ("MessageMiddleware.process_response", "messages/middleware.py", "process_response"),
    ("views_inbox.receipt_ack (HTML view)", "office/views_inbox.py", "receipt_ack"),
    ("api: ack endpoint", "office/api.py", "acknowledge"),
    ("  receipt_acknowledge_own (service)", "office/directives.py", "receipt_acknowledge_own"),
    ("    ack_write.acknowledge (lock + write, one round trip)", "office/ack_write.py", "acknowledge"),
    ("    ORM path: receipt_acknowledge (not on PostgreSQL)", "office/directives.py", "receipt_acknowledge"),
    ("      audit_log (ORM path)", "core/audit.py", "audit_log"),
    ("  redirect (no JavaScript)", "django/shortcuts.py", "redirect"),
    ("  fragment (htmx)", "template/loader.py", "render_to_string"),
]


def profile(lines: list[tuple[int, str]], *, csrf: str, path: Callable[[int], str], headers: dict[str, str]) -> int:
    """``lines``: (receipt id, session key) of unacknowledged receipts, one per recipient."""
    from django.db import connection
    from django.test import Client

    warm = min(50, len(lines) // 4)
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)

    def post(rid: int, session: str) -> int:
        client.cookies.clear()  # each recipient is a browser of its own (no messages cookie piling up)
        client.cookies["sessionid"] = session
        client.cookies["csrftoken"] = csrf
        return client.post(path(rid), HTTP_X_CSRFTOKEN=csrf, **headers).status_code

    statuses: Counter[int] = Counter(post(r, s) for r, s in lines[:warm])
    queries: list[tuple[float, str]] = []

    timed = sql_timer(queries)

    with connection.execute_wrapper(timed):
        statuses[post(*lines[warm])] += 1
    print_statements("one ack", queries)

    sample = lines[warm + 1 :]
    half = len(sample) // 2
    queries.clear()
    t0, c0, p0 = time.perf_counter(), time.thread_time(), _backend_cpu()
    with connection.execute_wrapper(timed):
        for rid, session in sample[:half]:
            statuses[post(rid, session)] += 1
    wall, cpu, pg = time.perf_counter() - t0, time.thread_time() - c0, _backend_cpu() - p0
    per = 1000 / max(half, 1)
    sql_time = sum(s for s, _ in queries)
    print(
        f"\nno profiler, {half} acks: {wall * per:.2f} ms wall per ack, of which in SQL execute {sql_time * per:.2f} ms; "
        f"{len(queries) / max(half, 1):.1f} statements per ack; CPU of this (app) thread {cpu * per:.2f} ms, "
        f"of its PostgreSQL backend {pg * per:.2f} ms per ack"
    )
    profiler = cProfile.Profile(time.thread_time)
    rest = sample[half:]
    t0 = time.perf_counter()
    profiler.enable()
    for rid, session in rest:
        statuses[post(rid, session)] += 1
    profiler.disable()
    print(f"statuses: {dict(statuses)}")
    report(pstats.Stats(profiler), len(rest), time.perf_counter() - t0, key_functions=KEY_FUNCTIONS)
    dump = Path(tempfile.gettempdir()) / "fk-ack-profile.pstats"
    profiler.dump_stats(str(dump))
    print(f"\nfull profile: {dump}  (python -m pstats {dump}; or snakeviz)")
    return 0 if len(statuses) == 1 else 1

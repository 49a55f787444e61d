"""Where a booking request's time goes: the Django test client POSTs N bookings to the API
(same settings, middleware and PostgreSQL database as the load test, no HTTP server) under
cProfile, with every SQL statement timed. Run via ``booking_submit.py --profile N``.
"""

from __future__ import annotations

import cProfile
import pstats
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

# Self time (cProfile "tottime") is attributed to the first matching group, by file path.
GROUPS = [
    ("psycopg (driver: send, receive, adapt, parse results)", ("psycopg",)),
    (
        "Django ORM: SQL compiler, query building",
        (
            "django/db/models/sql",
            "django/db/models/query",
            "django/db/models/expressions",
            "django/db/models/lookups",
            "django/db/models/where",
        ),
    ),
    ("Django ORM: models, fields, managers, other db", ("django/db",)),
    ("Django forms (BookingForm)", ("django/forms",)),
    ("Django templates", ("django/template",)),
    (
        "Django middleware / handlers / http / urls",
        (
            "django/middleware",
            "django/core/handlers",
            "django/http",
            "django/urls",
            "django/contrib/sessions",
            "django/contrib/auth",
            "django/contrib/messages",
            "django_htmx",
            "whitenoise",
            "django/utils/deprecation",
        ),
    ),
    ("Django test client (not in production)", ("django/test",)),
    (
        "Django i18n / translation / timezone",
        ("django/utils/translation", "django/utils/timezone", "django/utils/functional", "gettext"),
    ),
    ("Django other", ("django/",)),
    ("ninja + pydantic (request parsing, response)", ("ninja", "pydantic")),
    ("django-tasks (enqueue job row)", ("django_tasks",)),
    ("phonenumbers", ("phonenumbers",)),
    ("python-stdnum", ("stdnum",)),
    ("fangkong code", ("fangkong",)),
    ("json", ("json",)),
    ("other Python / builtins", ("",)),
]

# Cumulative time of these entry points (substring of "file:line(function)").
KEY_FUNCTIONS = [
    ("WSGI handler (whole request)", "base.py", "get_response"),
    ("ninja: operation run (parse + view + response)", "ninja/operation.py", "run"),
    ("api.create_booking (view)", "booking/api.py", "create_booking"),
    ("BookingForm.is_valid", "django/forms/forms.py", "is_valid"),
    ("  validate_mobile (phonenumbers)", "booking/identity.py", "validate_mobile"),
    ("  validate_resident_id (stdnum)", "booking/identity.py", "validate_resident_id"),
    ("  address_for_booking (address query)", "booking/forms.py", "address_for_booking"),
    ("round_for_booking (cached round)", "booking/queries.py", "round_for_booking"),
    ("booking_create (service)", "booking/services.py", "booking_create"),
    ("  pg_write.booking_write (the one-statement write)", "booking/pg_write.py", "booking_write"),
    ("    of which the round trip (execute)", "core/prepared.py", "lock_and_write"),
    ("  _take_places (ORM path: UPDATE roundunit)", "booking/services.py", "_take_places"),
    ("  _insert_booking (ORM path: INSERT booking)", "booking/services.py", "_insert_booking"),
    ("  _queue_confirmation (ORM path: outbox + job)", "booking/services.py", "_queue_confirmation"),
    ("_booking_out (response dict)", "booking/api.py", "_booking_out"),
]


def sql_timer(queries: list[tuple[float, str]]):  # type: ignore[no-untyped-def]
    """A ``connection.execute_wrapper`` that appends (seconds, sql) of each statement to ``queries``."""

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - t0, sql))

    return timed


def print_statements(what: str, queries: list[tuple[float, str]]) -> None:
    print(f"\nSQL statements for {what} ({len(queries)}):")
    for seconds, sql in queries:
        print(f"  {seconds * 1000:6.2f} ms  {' '.join(sql.split())[:150]}")


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine, /proc)."""
    import os

    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def profile(n: int, *, seed: int) -> int:
    from django.db import connection
    from django.test import Client

    from . import fixtures

    round_ = fixtures.open_round()
    people = fixtures.People(seed + 7)
    addresses = fixtures.address_pool(seed)
    warm = 100
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bodies.jsonl"
        total = n + warm + 2
        fixtures.write_bodies(
            people=people, addresses=addresses, address_cursor=[0], n=total, files=[path]
        )
        bodies = path.read_text(encoding="utf-8").splitlines()
    what_if_bodies = bodies[n + warm + 1 :]
    bodies = bodies[: n + warm + 1]
    url = f"/api/v1/rounds/{round_.pk}/bookings"
    client = Client(HTTP_HOST="127.0.0.1")

    def post(body: str) -> int:
        return client.post(url, data=body, content_type="application/json").status_code

    statuses: Counter[int] = Counter(post(b) for b in bodies[:warm])

    # One booking, every statement.
    queries: list[tuple[float, str]] = []

    timed = sql_timer(queries)

    with connection.execute_wrapper(timed):
        statuses[post(bodies[warm])] += 1
    print_statements("one booking", queries)

    # What the per-IP rate limit (on in production, off in the load test) adds with the default
    # database cache backend. The booking is a fresh id, so it is a 201 either way.
    from django.test import override_settings

    queries.clear()
    with override_settings(RATELIMIT_ENABLE=True), connection.execute_wrapper(timed):
        statuses[post(what_if_bodies.pop())] += 1
    limited = len(queries)
    print(
        f"with RATELIMIT_ENABLE=true and the database cache backend the same request runs {limited} "
        f"statements (the limiter's cache reads/writes: {sum(1 for _, q in queries if 'fangkong_cache' in q)})"
    )

    # N bookings: wall time, time inside SQL execute (incl. round trip) and COMMIT, then the same
    # under cProfile.
    commits: list[float] = []
    real_commit = connection._commit

    def timed_commit():  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return real_commit()
        finally:
            commits.append(time.perf_counter() - t0)

    connection._commit = timed_commit  # type: ignore[method-assign]
    queries.clear()
    sample = bodies[warm + 1 :]
    half = len(sample) // 2
    t0, c0, p0 = time.perf_counter(), time.thread_time(), _backend_cpu()
    with connection.execute_wrapper(timed):
        for body in sample[:half]:
            statuses[post(body)] += 1
    wall, cpu, pg = time.perf_counter() - t0, time.thread_time() - c0, _backend_cpu() - p0
    connection._commit = real_commit  # type: ignore[method-assign]
    sql_time = sum(s for s, _ in queries) + sum(commits)
    kinds = Counter(" ".join(sql.split()[:1]).upper() for _, sql in queries)
    per = 1000 / max(half, 1)
    print(
        f"\nno profiler, {half} bookings: {wall * per:.2f} ms per booking ({half / wall:.0f}/s on one core), "
        f"of which in SQL execute and COMMIT (driver + PostgreSQL + round trip) {sql_time * per:.2f} ms "
        f"(COMMIT {sum(commits) * per:.2f} ms), "
        f"Python {(wall - sql_time) * per:.2f} ms; {len(queries) / max(half, 1):.1f} statements per booking: "
        + ", ".join(f"{k} {v / max(half, 1):.1f}" for k, v in kinds.most_common())
        + f"; CPU time of this (app) thread {cpu * per:.2f} ms, of its PostgreSQL backend {pg * per:.2f} ms per booking"
    )

    # The yardstick: the bare-insert view through the same client and middleware.
    queries.clear()
    t0, c0, p0 = time.perf_counter(), time.thread_time(), _backend_cpu()
    with connection.execute_wrapper(timed):
        for body in sample[:half]:
            client.post("/bench/bare-insert", data=body, content_type="application/json")
    bare_wall, bare_cpu = time.perf_counter() - t0, time.thread_time() - c0
    bare_pg = _backend_cpu() - p0
    bare_sql = sum(s for s, _ in queries)
    print(
        f"bare-insert view, {half} requests: {bare_wall * per:.2f} ms per request, of which SQL "
        f"{bare_sql * per:.2f} ms, Python {(bare_wall - bare_sql) * per:.2f} ms; CPU time {bare_cpu * per:.2f} ms, "
        f"PostgreSQL backend {bare_pg * per:.2f} ms"
        f"  ->  booking/bare in-process: wall {bare_wall / wall:.0%}, app CPU {bare_cpu / cpu:.0%}, "
        f"app + PostgreSQL CPU {(bare_cpu + bare_pg) / max(cpu + pg, 1e-9):.0%}"
    )

    # Profiled on the thread's CPU clock, so time spent waiting for PostgreSQL is not counted:
    # this is what limits a 2-core box where the app, PostgreSQL and the client share the CPUs.
    profiler = cProfile.Profile(time.thread_time)
    rest = sample[half:]
    t0 = time.perf_counter()
    profiler.enable()
    for body in rest:
        statuses[post(body)] += 1
    profiler.disable()
    wall = time.perf_counter() - t0
    print(f"statuses: {dict(statuses)}")
    report(pstats.Stats(profiler), len(rest), wall)
    dump = Path(tempfile.gettempdir()) / "fk-booking-profile.pstats"
    profiler.dump_stats(str(dump))
    print(f"\nfull profile: {dump}  (python -m pstats {dump}; or snakeviz)")
    return 0 if set(statuses) <= {201} else 1


def report(stats: pstats.Stats, n: int, wall: float, *, key_functions: list[tuple[str, str, str]] | None = None) -> None:
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in raw.values())
    per = 1000 / max(n, 1)
    by_group: defaultdict[str, float] = defaultdict(float)
    for (filename, _line, _func), (_cc, _nc, tt, _ct, _callers) in raw.items():
        name = filename.replace("\\", "/")
        for group, needles in GROUPS:
            if any(needle in name for needle in needles):
                by_group[group] += tt
                break
    print(
        f"\nunder cProfile (thread CPU clock): {n} requests, {wall * per:.2f} ms wall each; "
        f"{total * per:.2f} ms app CPU each (profiler overhead included: read the shares, not the ms)"
    )
    print("self CPU time by package (per request):")
    for group, tt in sorted(by_group.items(), key=lambda kv: -kv[1]):
        print(f"  {tt * per:6.2f} ms  {tt / total:5.1%}  {group}")
    print("cumulative CPU time of the request's steps (per request):")
    for label, path_part, func in key_functions or KEY_FUNCTIONS:
        best = 0.0
        for (filename, _line, fname), (_cc, _nc, _tt, ct, _callers) in raw.items():
            if fname == func and path_part in filename.replace("\\", "/"):
                best = max(best, ct)
        print(f"  {best * per:6.2f} ms  {best / total:5.1%}  {label}")
    print("top 25 functions by self CPU time:")
    top = sorted(raw.items(), key=lambda kv: -kv[1][2])[:25]
    for (filename, line, func), (_cc, nc, tt, _ct, _callers) in top:
        short = "/".join(filename.replace("\\", "/").split("/")[-3:])
        print(f"  {tt * per:6.3f} ms  {nc / max(n, 1):6.1f} calls  {short}:{line}({func})")

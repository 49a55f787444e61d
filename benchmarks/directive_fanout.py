"""Benchmark: a directive to 79,576 cadres and volunteers (issue 5) on PostgreSQL.

    .venv/bin/python benchmarks/directive_fanout.py [--people 79576] [--ack-seconds 20] [--connections 32]
        [--workers 2] [--threads 4] [--rollup-requests 60] [--fresh] [--ack-via html|htmx|api]
    .venv/bin/python benchmarks/directive_fanout.py --profile 1000 [--ack-via ...]   # one ack's cost, no HTTP

Database ``fk_bench_office`` (created and migrated when missing; ``--fresh`` drops it first). It
loads the real org tree (36 towns, 1,301 committees) and ``--people`` people with COPY: 20 at each
town's own level, the rest spread evenly over the committees (a 书记 and a 主任 each, then
volunteers and building leads). Then it measures, each through the product's own code:

1. **Fan-out**: ``directive_publish`` to 全部街镇人员 + 全部居村委人员 (everyone), wall time from the
   call to the commit, and that every person then has exactly one receipt.
2. **Roll-up latency**: GET ``/office/directives/<id>/`` as the district officer through gunicorn
   (``config.wsgi``, DEBUG off), sequentially, p50/p95; the same for one town's drill-down page.
3. **Acknowledgements per second**: ``wrk`` POSTs the 收到 button (``--ack-via html``:
   ``/office/inbox/<receipt>/ack/``, 302; ``htmx``: the same with ``HX-Request``, a 200 fragment;
   ``api``: ``/api/v1/office/receipts/<receipt>/ack``, 200 JSON; all session + CSRF, one audit row
   per ack) for distinct recipients, each logged in with its own session, for ``--ack-seconds``;
   afterwards the database must hold exactly as many acknowledged receipts as wrk got answers,
   and the per-unit tallies must agree with them.

``--profile N`` instead acknowledges N receipts in-process through Django's test client (same
settings and middleware, CSRF enforced; ``_support/profile_ack.py``): the SQL of one ack, CPU
per ack of the app thread and of its PostgreSQL backend, and a cProfile breakdown.

Prints figures; they go to benchmarks/README.md. A script that measures, not a test.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "fk_bench_office"
PG = "postgres://postgres@127.0.0.1:5432"
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
# The sessions made here must be valid in gunicorn: both use this key.
os.environ["SECRET_KEY"] = "bench-only-" + "k" * 40
ORG_CSV = ROOT / "fangkong" / "orgs" / "data" / "pudong_divisions.csv"
CSRF = "benchcsrftoken0123456789abcdefgh"  # a 32-character CSRF secret, sent as cookie and header
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏"

LUA = r"""
local lines = {}
local n = 0
local fh = io.open(os.getenv("ACK_FILE"), "r")
for line in fh:lines() do n = n + 1; lines[n] = line end
fh:close()
local counter = 0
local tid = 0
local threads = 1
function setup(thread) thread:set("tid", tid); tid = tid + 1 end
function init(args) threads = tonumber(os.getenv("WRK_THREADS")) end
request = function()
  local i = tid + 1 + counter * threads
  counter = counter + 1
  if i > n then i = ((i - 1) % n) + 1 end
  local rid, session = lines[i]:match("(%d+) (%S+)")
  local headers = {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=@TOKEN@",
    ["X-CSRFToken"] = "@TOKEN@", ["Referer"] = "http://127.0.0.1/office/inbox/",
    ["Content-Type"] = "application/x-www-form-urlencoded"}
  if os.getenv("ACK_HTMX") == "1" then headers["HX-Request"] = "true" end
  return wrk.format("POST", (os.getenv("ACK_PATH"):gsub("{rid}", rid)), headers, "")
end
""".replace("@TOKEN@", CSRF)


def ensure_database(fresh: bool) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f"CREATE DATABASE \"{DB_NAME}\" ENCODING 'UTF8' TEMPLATE template0")


def prepare(people: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from fangkong.office.models import Person
    from fangkong.orgs.models import Committee, District, Role, Town, User
    from fangkong.orgs.services import org_import_csv, staff_create

    call_command("migrate", verbosity=0)
    org_import_csv(district_code="310115", district_name="浦东新区", path=ORG_CSV)
    district = District.objects.get(code="310115")
    if not User.objects.filter(username="bench-district").exists():
        staff_create(username="bench-district", password=secrets.token_hex(16), role=Role.DISTRICT_OFFICER, district=district)
        staff_create(username="bench-town", password=secrets.token_hex(16), role=Role.TOWN_OFFICER, town=Town.objects.get(code="T04"))
    have = Person.objects.filter(is_staff_account=False).count()
    if have == people:
        print(f"people: {have:,} already loaded")
        return
    with connection.cursor() as cur:
        cur.execute("TRUNCATE office_person CASCADE")
    towns = list(Town.objects.order_by("code"))
    committees = list(Committee.objects.order_by("code"))
    buf = io.StringIO()
    n = 0

    def row(name: str, post: str, town: Town, committee_id: str) -> None:
        nonlocal n
        n += 1
        buf.write(f"{name}\t1{n + 3000000000:010d}\t{district.pk}\t{town.pk}\t{committee_id}\t{post}\t\tf\t2020-02-01 00:00+08\t2020-02-01 00:00+08\n")

    for t in towns:
        for i in range(20):
            row(SURNAMES[i % len(SURNAMES)] + GIVEN[n % len(GIVEN)], "街镇工作人员", t, r"\N")
    remaining = people - n
    by_id = {t.pk: t for t in towns}
    for k, c in enumerate(committees):
        share = remaining // len(committees) + (1 if k < remaining % len(committees) else 0)
        for i in range(share):
            post = "书记" if i == 0 else "主任" if i == 1 else "楼组长" if i % 5 == 0 else "志愿者"
            row(SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)], post, by_id[c.town_id], str(c.pk))
    started = time.perf_counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cur, cur.copy(
        "COPY office_person (name, phone, district_id, town_id, committee_id, post, team, "
        "is_staff_account, created_at, updated_at) FROM STDIN"
    ) as copy:
        copy.write(buf.getvalue())
    with connection.cursor() as cur:
        cur.execute("ANALYZE office_person")
    print(f"people: loaded {n:,} with COPY in {time.perf_counter() - started:.1f} s")


def fan_out() -> int:
    from django.db import connection

    from fangkong.office.directives import Target, directive_publish
    from fangkong.office.models import Person, Receipt
    from fangkong.orgs.models import User

    officer = User.objects.get(username="bench-district")
    started = time.perf_counter()
    directive = directive_publish(actor=officer, title="关于全面落实社区防控措施的通知", body="请各单位立即落实。",
                                  target=Target(levels=["towns", "committees"]), target_label="全部人员")
    elapsed = time.perf_counter() - started
    receipts = Receipt.objects.filter(directive=directive).count()
    people = Person.objects.filter(town__isnull=False).count()
    print(f"fan-out: {directive.recipients_count:,} receipts in {elapsed:.2f} s (publish call, committed); "
          f"receipts in DB {receipts:,}, people below the district level {people:,} -> {'OK' if receipts == people else 'MISMATCH'}")
    with connection.cursor() as cur:
        cur.execute("ANALYZE office_receipt")
    return directive.pk


def make_sessions(directive_id: int, count: int, path: Path) -> None:
    """Office accounts and sessions for ``count`` recipients; one line per receipt: id session_key."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.office.models import Receipt
    from fangkong.orgs.models import Role, User

    started = time.perf_counter()
    rows = list(Receipt.objects.filter(directive_id=directive_id, acknowledged_at__isnull=True,
                                       person__is_staff_account=False)
                .values_list("pk", "person_id", "person__phone"))
    # Recipients in random order, as they answer in life (not a committee at a time).
    rows = random.Random(2020).sample(rows, min(count, len(rows)))
    unusable = make_password(None)
    with transaction.atomic():
        existing = set(User.objects.filter(username__in=[r[2] for r in rows]).values_list("username", flat=True))
        User.objects.bulk_create([User(username=phone, password=unusable, role=Role.OFFICE_MEMBER)
                                  for _r, _p, phone in rows if phone not in existing], batch_size=5000)
        users = {u: (pk, User(password=pw).get_session_auth_hash())
                 for u, pk, pw in User.objects.filter(username__in=[r[2] for r in rows]).values_list("username", "pk", "password")}
        with connection.cursor() as cur:
            cur.execute("UPDATE office_person p SET user_id = u.id FROM orgs_user u "
                        "WHERE u.username = p.phone AND p.user_id IS NULL AND p.id = ANY(%s)", [[r[1] for r in rows]])
        store = SessionStore()
        backend = settings.AUTHENTICATION_BACKENDS[0]  # what a sign-in through the login page records
        expire = timezone.now() + timezone.timedelta(days=1)
        sessions, lines = [], []
        for rid, _pid, phone in rows:
            key = f"bench{rid:027d}"
            user_id, auth_hash = users[phone]
            data = {"_auth_user_id": str(user_id), "_auth_user_backend": backend,
                    "_auth_user_hash": auth_hash}
            sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
            lines.append(f"{rid} {key}")
        Session.objects.filter(session_key__in=[s.session_key for s in sessions]).delete()
        Session.objects.bulk_create(sessions, batch_size=5000)
    path.write_text("\n".join(lines) + "\n")
    print(f"ack set-up: {len(rows):,} recipients with accounts and sessions in {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "false", "RATELIMIT_ENABLE": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING",
           "SMS_BACKEND": "outbox", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync", "--backlog", "2048",
           "--worker-tmp-dir", "/dev/shm", "--log-level", "warning", "--error-logfile", "-"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):  # noqa: S310
                return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def staff_session(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from fangkong.orgs.models import User

    user = User.objects.get(username=username)
    s = SessionStore()
    s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return str(s.session_key)


def latency(base: str, path: str, session: str, n: int) -> tuple[float, float]:
    times = []
    for i in range(n + 5):
        req = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"})  # noqa: S310
        started = time.perf_counter()
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            body = resp.read()
            assert resp.status == 200 and "人已读".encode() in body, resp.status
        if i >= 5:  # the first requests warm the worker processes
            times.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(times, n=20)
    return statistics.median(times), q[18]


# How each ack route is called: path, extra headers, the status that means "acknowledged".
ACK_VIA = {
    "html": ("/office/inbox/{rid}/ack/", {}, 302),
    "htmx": ("/office/inbox/{rid}/ack/", {"HX-Request": "true"}, 200),
    "api": ("/api/v1/office/receipts/{rid}/ack", {}, 200),
}


def profile_acks(args: argparse.Namespace) -> None:
    """``--profile N``: N acks in-process under the product's settings (see _support/profile_ack.py)."""
    ensure_database(args.fresh)
    prepare(args.people)
    from fangkong.office.models import Directive, Receipt

    latest = Directive.objects.order_by("-pk").first()
    spare = Receipt.objects.filter(directive=latest, acknowledged_at__isnull=True).count() if latest else 0
    directive_id = latest.pk if latest and spare >= args.profile + 100 else fan_out()
    work = Path(tempfile.mkdtemp(prefix="fk-office-profile-"))
    make_sessions(directive_id, args.profile + 51, work / "acks.txt")
    lines = [(int(r), s) for r, s in (line.split() for line in (work / "acks.txt").read_text().splitlines())]
    template, headers, _status = ACK_VIA[args.ack_via]
    from benchmarks._support.profile_ack import profile

    print(f"profiling {args.profile} acks via {args.ack_via} ({template}); load: {os.getloadavg()}")
    code = profile(lines, csrf=CSRF, path=lambda rid: template.format(rid=rid),
                   headers={"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    raise SystemExit(code)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--people", type=int, default=79576)
    p.add_argument("--ack-seconds", type=int, default=20)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--client-threads", type=int, default=1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--rollup-requests", type=int, default=60)
    p.add_argument("--acks", type=int, default=15000, help="recipients given a session for the ack phase")
    p.add_argument("--fresh", action="store_true")
    p.add_argument("--ack-via", choices=sorted(ACK_VIA), default="html",
                   help="html: the 收到 form (302); htmx: the same with HX-Request (partial); api: POST /api/v1/office/receipts/<id>/ack")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="instead of the load test: profile N acks through the Django test client (no HTTP)")
    args = p.parse_args()
    if args.profile:
        return profile_acks(args)
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (Debian: apt-get install -y wrk)")
    print(f"machine: {os.cpu_count()} CPUs; load: {os.getloadavg()}")
    ensure_database(args.fresh)
    prepare(args.people)
    directive_id = fan_out()
    from django.db import connection

    from fangkong.office.models import Receipt, UnitTally
    from fangkong.orgs.models import Town

    work = Path(tempfile.mkdtemp(prefix="fk-office-bench-"))
    ack_file = work / "acks.txt"
    make_sessions(directive_id, args.acks, ack_file)
    connection.close()
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads, work / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        session = staff_session("bench-district")
        p50, p95 = latency(base, f"/office/directives/{directive_id}/", session, args.rollup_requests)
        print(f"roll-up (district, 36 towns, 79,576 receipts): p50 {p50:.0f} ms, p95 {p95:.0f} ms over {args.rollup_requests} requests")
        t04 = Town.objects.get(code="T04").pk
        p50, p95 = latency(base, f"/office/directives/{directive_id}/?town={t04}", session, args.rollup_requests)
        print(f"roll-up (one town, its committees): p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        before = Receipt.objects.filter(directive_id=directive_id, acknowledged_at__isnull=False).count()
        lua = work / "ack.lua"
        lua.write_text(LUA)
        template, headers, expect = ACK_VIA[args.ack_via]
        env = {**os.environ, "ACK_FILE": str(ack_file), "WRK_THREADS": str(args.client_threads),
               "ACK_PATH": template, "ACK_HTMX": "1" if headers else "0"}
        from benchmarks._support.procstat import cpu_between, snapshot

        before_cpu, started = snapshot(server.pid, db_name=DB_NAME), time.perf_counter()
        out = subprocess.run(["wrk", "-t", str(args.client_threads), "-c", str(args.connections), "-d",
                              f"{args.ack_seconds}s", "--latency", "-s", str(lua), f"{base}/office/inbox/"],
                             env=env, capture_output=True, text=True, check=True).stdout
        cpu = cpu_between(before_cpu, snapshot(server.pid, db_name=DB_NAME), time.perf_counter() - started)
        print(out)
        time.sleep(3)  # requests still in flight when wrk stopped finish and commit
        during = Receipt.objects.filter(directive_id=directive_id, acknowledged_at__isnull=False).count() - before
        total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        print(f"acks via {args.ack_via} ({template}, {expect}): {rps:.0f}/s through gunicorn ({args.workers}x{args.threads}); "
              f"{total:,} requests, {bad} not 2xx/3xx; "
              f"{during:,} receipts newly acknowledged -> "
              # wrk does not count the requests still in flight when it stops (at most one per connection).
              f"{'OK' if 0 <= during - (total - bad) <= args.connections else 'MISMATCH'}")
        if total:
            per_ack = (cpu.server + cpu.postgres) / total * 1000
            print(f"CPU during acks: {cpu.shares()}; app+PostgreSQL {per_ack:.1f} ms CPU per ack "
                  f"(≈ {(os.cpu_count() or 2) * 1000 / per_ack:.0f} acks/s if both cores were ours alone)")
        tallied = sum(UnitTally.objects.filter(directive_id=directive_id).values_list("acknowledged", flat=True))
        acked = Receipt.objects.filter(directive_id=directive_id, acknowledged_at__isnull=False).count()
        print(f"unit tallies: {tallied:,} acknowledged, receipts {acked:,} -> {'OK' if tallied == acked else 'MISMATCH'}")
    finally:
        stop(server)
        errors = (work / "gunicorn.log").read_text(errors="replace").count("Traceback")
        print(f"gunicorn tracebacks: {errors}; load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

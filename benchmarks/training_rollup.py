"""Benchmark: a course (岗位培训) for 79,576 cadres and volunteers on PostgreSQL.

    .venv/bin/python benchmarks/training_rollup.py [--people 79576] [--requests 30] [--learners 300] [--fresh]

Database ``fk_bench_training`` (created and loaded like benchmarks/directive_fanout.py, whose
loader it reuses: the real org tree and ``--people`` people by COPY). Measures, through the
product's own code:

1. **Publish**: ``course_publish`` to everyone below the district (the directive's fan-out plus
   one enrollment per recipient), wall time from the call to the commit.
2. **Roll-up latency**: GET ``/training/<id>/`` (district: per town) and ``?town=`` (per unit)
   in-process through Django's test client (DEBUG off), p50/p95 over ``--requests``.
3. **Learning**: ``--learners`` people each open both materials and pass the quiz (services,
   in-process, one thread): completions per second; the roll-up total must then equal them.

Prints figures; they go to benchmarks/README.md. A script that measures, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import directive_fanout as loader  # noqa: E402 - sets the settings module; its DB name is replaced below

loader.DB_NAME = "fk_bench_training"
os.environ["DATABASE_URL"] = f"{loader.PG}/{loader.DB_NAME}"


def timed_get(client: object, path: str, n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--people", type=int, default=79576)
    p.add_argument("--requests", type=int, default=30)
    p.add_argument("--learners", type=int, default=300)
    p.add_argument("--fresh", action="store_true")
    args = p.parse_args()
    loader.ensure_database(args.fresh)
    loader.prepare(args.people)

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import override_settings

    from fangkong.office.directives import Target
    from fangkong.orgs.models import Town, User
    from fangkong.training.models import Enrollment
    from fangkong.training.services import course_publish, material_open, parse_quiz, quiz_submit

    officer = User.objects.get(username="bench-district")
    with override_settings(MEDIA_ROOT=Path(os.environ.get("TMPDIR", "/tmp")) / "fk_bench_training_media"):
        started = time.perf_counter()
        course = course_publish(
            actor=officer, title="社区防控岗位培训", description="全员必学。", target=Target(levels=["towns", "committees"]),
            documents=[SimpleUploadedFile("手册.pdf", b"%PDF-1.4 x")], links=[("演示", "https://example.org/demo")],
            questions=parse_quiz("口罩应多久更换一次？\n*4小时\n一天"), pass_mark=100, target_label="全部人员",
        )
        elapsed = time.perf_counter() - started
    enrolled = Enrollment.objects.filter(course=course).count()
    print(f"publish: {course.assigned:,} enrollments (and receipts) in {elapsed:.2f} s; in DB {enrolled:,}")

    client = Client()
    client.force_login(officer)
    town = Town.objects.get(code="T04")
    for label, path in (("district roll-up", f"/training/{course.pk}/"),
                        ("town drill-down", f"/training/{course.pk}/?town={town.pk}")):
        client.get(path)
        p50, p95 = timed_get(client, path, args.requests)
        print(f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {args.requests} requests")

    materials = list(course.materials.all())
    question = course.questions.get()
    learners = list(Enrollment.objects.filter(course=course).select_related("course").order_by("pk")[: args.learners])
    started = time.perf_counter()
    for e in learners:
        for m in materials:
            material_open(enrollment=e, material=m)
        quiz_submit(actor=officer, enrollment=e, answers={str(question.pk): ["0"]})
    elapsed = time.perf_counter() - started
    done = Enrollment.objects.filter(course=course, completed_at__isnull=False).count()
    print(f"learning: {len(learners)} learners completed (2 materials + quiz each) in {elapsed:.2f} s = "
          f"{len(learners) / elapsed:.0f} completions/s; completed in DB {done} -> {'OK' if done == len(learners) else 'MISMATCH'}")


if __name__ == "__main__":
    main()

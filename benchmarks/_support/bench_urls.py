"""URLconf for benchmarks: the application's own ``config.urls`` plus a bare-insert view.

Selected with ``ROOT_URLCONF=benchmarks._support.bench_urls`` (settings read it from the
environment), so the bare view runs in the same gunicorn, with the same middleware, settings
and database connection handling as the booking API. It is the yardstick of "one Django request
that does one INSERT": the booking path's throughput is reported as a fraction of it.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as app_urlpatterns

BARE_TABLE = "bench_bare_insert"
BARE_TABLE_SQL = f"""
CREATE TABLE IF NOT EXISTS {BARE_TABLE} (
    id bigserial PRIMARY KEY,
    k varchar(32) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)
"""


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """Parse the same JSON body as a booking and INSERT one row (autocommit, no ORM)."""
    try:
        key = str(json.loads(request.body)["id_number"])[:32]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"errors": {"__all__": ["bad body"]}}, status=422)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_TABLE} (k) VALUES (%s) RETURNING id", [key])  # noqa: S608
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [
    path("bench/bare-insert", bare_insert, name="bench_bare_insert"),
    *app_urlpatterns,
]

"""Reads of the standard address database: as-you-type search for the booking form and the API.

How it stays fast on 1.6M rooms: what was typed is normalised (``keys.query_forms``) into one
or two canonical spellings; each becomes a few key ranges (``keys.key_ranges``), and each
range is one B-tree range scan, in key order, that stops after ``limit`` rows. All of them go
to the database as one ``UNION ALL`` of small ``ORDER BY key LIMIT n`` scans, so a short
prefix matching 100,000 rooms costs as little as a full address. A second query loads the
winners with their town and committee.

Order: ranges where the typed trailing number is complete come first (``…弄1`` → 1号 before
10号), then by key, whose length-prefixed numbers make that natural order (101 … 902, 1001).
"""

from __future__ import annotations

from django.db import connection

from .keys import key_ranges, query_forms
from .models import StandardAddress

MAX_RESULTS = 50
MAX_QUERY_LENGTH = 100  # longer input is not an address being typed (the API answers 422)
_COLUMNS = ("road_key", "compound_key")


def _union_sql(q: str, *, limit: int, town_id: int | None) -> tuple[str, list[str | int]]:
    """One statement: ``UNION ALL`` of ``ORDER BY key LIMIT n`` range scans, ranked.

    Written as SQL because Django cannot slice the parts of a union on SQLite. Every part is
    ``key >= lo AND key < hi [AND town_id = t] ORDER BY key LIMIT n``: an index range scan in
    index order that stops after n rows, on (key) or (town_id, key).
    """
    quote = connection.ops.quote_name
    table = quote(StandardAddress._meta.db_table)
    parts: list[str] = []
    params: list[str | int] = []
    for form_index, form in enumerate(query_forms(q)):
        columns = ("compound_key",) if form.compound_only else _COLUMNS
        for key_range in key_ranges(form.canonical):
            # Later spellings rank after every range of the earlier ones.
            rank = form_index * 100 + key_range.rank
            for column in map(quote, columns):
                town = f" AND {quote('town_id')} = %s" if town_id is not None else ""
                # Only quoted identifiers and integers are formatted in; values are parameters.
                parts.append(
                    f"SELECT * FROM (SELECT {quote('id')}, {rank:d} AS r, {column} AS k FROM {table}"  # noqa: S608
                    f" WHERE {column} >= %s AND {column} < %s{town} ORDER BY {column} LIMIT {limit:d})"
                    f" AS s{len(parts)}"
                )
                params += [key_range.lo, key_range.hi] + ([town_id] if town_id is not None else [])
    if not parts:
        return "", []
    # A room can match through both of its spellings: ask for a few spare rows.
    return " UNION ALL ".join(parts) + f" ORDER BY r, k LIMIT {2 * limit:d}", params


def search_addresses(
    q: str, *, limit: int = 20, town_id: int | None = None
) -> list[StandardAddress]:
    """Rooms whose road or compound spelling starts with what was typed, best first.

    Two queries at most, none for an empty, too short (``keys.MIN_QUERY_CHARS`` after
    normalisation) or too long (``MAX_QUERY_LENGTH``) ``q``. ``town_id`` limits the search to
    one town (served by the (town, key) indexes). ``limit`` is capped at ``MAX_RESULTS``.
    """
    if len(q) > MAX_QUERY_LENGTH:
        return []
    limit = max(0, min(limit, MAX_RESULTS))
    sql, params = _union_sql(q, limit=limit, town_id=town_id)
    if not sql or not limit:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = list(dict.fromkeys(pk for pk, _, _ in cursor.fetchall()))[:limit]
    rooms = StandardAddress.objects.select_related("town", "committee").in_bulk(ids)
    return [rooms[pk] for pk in ids]

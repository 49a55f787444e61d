"""Column lists for hand-written ``INSERT … SELECT`` statements that stay in step with the models.

Hot paths that write several tables in one PostgreSQL statement (``booking/pg_write.py``, the
outbox's ``messaging.sql_queue``) name only the columns they set; every other column of the
model gets what the ORM would have written: NULL, its default, or the statement's timestamp for
``default=timezone.now`` / ``auto_now_add``. A column added to a model later is covered the same
way, so the SQL does not silently drift from the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone

NOW = "_now"


@dataclass(frozen=True)
class InsertShape:
    columns: str  # "a, b, c"
    values: str  # the SELECT list in the same order: given SQL, NULL or %(param)s::type
    static: dict[str, Any]  # parameters for constant defaults
    dynamic: tuple[tuple[str, models.Field], ...]  # callable defaults, evaluated per statement

    def params(self, now: datetime) -> dict[str, Any]:
        out = {**self.static, NOW: now}
        for key, field in self.dynamic:
            out[key] = field.get_db_prep_save(field.get_default(), connection)
        return out


def _is_now(field: models.Field) -> bool:
    return field.default is timezone.now or bool(getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False))


def insert_shape(model: type[models.Model], given: dict[str, str], *, prefix: str) -> InsertShape:
    """``given`` maps column names to SQL expressions; ``%(_now)s`` is the statement's time."""
    columns: list[str] = []
    values: list[str] = []
    static: dict[str, Any] = {}
    dynamic: list[tuple[str, models.Field]] = []
    for field in model._meta.concrete_fields:
        column = str(field.column)
        if column in given:
            columns.append(column)
            values.append(given[column])
            continue
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField):
            continue
        columns.append(column)
        cast = f"::{field.db_type(connection)}"
        key = f"{prefix}{column}"
        if _is_now(field):
            values.append(f"%({NOW})s{cast}")
        elif field.null and not field.has_default():
            values.append("NULL")
        elif field.has_default() and callable(field.default):
            dynamic.append((key, field))
            values.append(f"%({key})s{cast}")
        else:
            value = field.get_db_prep_save(field.get_default(), connection)
            static[key] = value
            values.append("NULL" if value is None else f"%({key})s{cast}")
    return InsertShape(", ".join(columns), ", ".join(values), static, tuple(dynamic))

"""Django's ``ModelBackend`` with a hand-written user load for signed-in requests.

``AuthenticationMiddleware`` loads the session's user on every signed-in request through
``backend.get_user``; Django's does ``User.objects.get(pk=…)`` (query building and compiling:
~0.6 ms of CPU per request, a third of a 收到 acknowledgement's app CPU, measured with
``benchmarks/directive_fanout.py --profile``). This backend sends the same single-row SELECT as a
fixed SQL string and builds the user the way a query does (``Model.from_db``). Passwords,
permissions and the session-hash check are Django's, unchanged.

Settings list it first and Django's ``ModelBackend`` second, so sessions that name Django's
backend (made before, or by ``login(..., backend="django.contrib.auth.backends.ModelBackend")``)
stay valid. A failed password check stops the chain (``PermissionDenied``: Django's documented
"stop here") instead of running the same check again in the second backend.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.http import HttpRequest


@cache
def _select() -> tuple[str, tuple[str, ...]]:
    model = get_user_model()
    fields = tuple(f.attname for f in model._meta.concrete_fields)
    columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
    pk = model._meta.pk
    assert pk is not None  # noqa: S101
    return f'SELECT {columns} FROM "{model._meta.db_table}" WHERE "{pk.column}" = %s', fields  # noqa: S608


class FastModelBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied  # the next backend is the same check: do not hash twice
        return user

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        sql, fields = _select()
        alias = router.db_for_read(model)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(alias, fields, row)
        return user if self.user_can_authenticate(user) else None

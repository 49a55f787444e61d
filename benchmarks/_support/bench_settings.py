"""``config.settings`` with psycopg server-side binding, for ``booking_submit.py --server-binding``.

A what-if of a settings change (Django needs ``True`` itself, which a DATABASE_URL cannot
carry): psycopg then prepares statements it has run 5 times on a connection, so PostgreSQL
stops parsing and planning the booking's statements on every request.
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True

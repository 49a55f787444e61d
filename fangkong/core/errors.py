"""The one exception shape services raise for a person to read."""

from __future__ import annotations


class UserError(Exception):
    """Something a user asked for that cannot be done; ``message`` is shown as is (translated),
    ``field`` names the form field it belongs to (``__all__`` for the whole form), ``code`` is
    stable for programs."""

    code = "invalid"

    def __init__(self, message: str, *, field: str = "__all__") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

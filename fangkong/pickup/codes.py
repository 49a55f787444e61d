"""Voucher codes and the signed token in the QR.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), read aloud in two
groups of four (``K7MN PQ2R``); 31⁸ ≈ 8.5 × 10¹¹ codes, unique in the database. The QR holds
``/v/<token>/`` where the token is the code signed with ``SECRET_KEY`` and its own salt: no ID
number, no name, and a changed character breaks the signature.
"""

from __future__ import annotations

import re
import secrets

from django.core import signing

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
SALT = "fangkong.pickup.voucher"
_signer = signing.Signer(salt=SALT, sep=".")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str:
    """What a clerk typed (spaces, dashes, lower case, full-width) → the stored form, or ''."""
    import unicodedata

    text = re.sub(r"[\s\-_.·]", "", unicodedata.normalize("NFKC", typed or "")).upper()
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def token_for(code: str) -> str:
    return _signer.sign(code)


def code_from_token(token: str) -> str | None:
    """The code a token carries, or None if it was altered or not ours."""
    try:
        code = _signer.unsign(token or "")
    except signing.BadSignature:
        return None
    return code if normalize_code(code) == code else None

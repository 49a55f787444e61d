"""Masking of personal data for lists, SMS and exports (unmasking is a permission, and audited)."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``310115199001011234`` → ``310115********1234``; short documents keep first 2 and last 2."""
    value = (value or "").strip()
    if len(value) >= 15:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    if len(value) > 4:
        return value[:2] + "*" * (len(value) - 4) + value[-2:]
    return "*" * len(value)


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    value = (value or "").strip()
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask_name(value: str) -> str:
    """``王小明`` → ``王**``; ``王明`` → ``王*``."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_email(value: str) -> str:
    """``wang.xiaoming@example.com`` → ``w***@example.com``."""
    local, at, domain = (value or "").strip().partition("@")
    if not at:
        return mask_name(local)
    return f"{local[:1]}***@{domain}"

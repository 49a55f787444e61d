"""Shared fixtures: the org tree and personas (district, town, committee worker, outsider...)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

SHARED_DATA = Path(os.environ.get("FANGKONG_SHARED_DATA", settings.BASE_DIR.parent / "shared" / "data"))


def needs_postgres() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.exists(), reason=f"../shared/data not found at {SHARED_DATA}")

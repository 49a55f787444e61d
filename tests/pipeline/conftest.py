"""Fixtures for the Django-free address engine: a small hand-built standard table."""

from __future__ import annotations

from pathlib import Path

import pytest

from fangkong.pipeline.address import build_index
from fangkong.pipeline.address.index import iter_standard_rows

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def small_index():
    return build_index(iter_standard_rows(DATA / "standard.csv"))

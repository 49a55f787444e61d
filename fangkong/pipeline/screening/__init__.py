"""Screening and dispatch (issue 6): four exports → cleaned, linked people → rule hits → orders.

Plain Python, no Django. ``run_screening(ScreeningInputs(...), engine="duckdb"|"spark")`` writes
ORDERS.csv, ``<stem>.transfers.csv`` and ``<stem>.quality.json``; the source mapping configs are
``sources/*.yaml`` and the default rules ``rules.yaml``. ``score.py`` scores orders against a truth
file; ``generator.py`` makes test days.
"""

from .run import ScreeningInputs, ScreeningSummary, run_screening

__all__ = ["ScreeningInputs", "ScreeningSummary", "run_screening"]

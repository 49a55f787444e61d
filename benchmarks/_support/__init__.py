"""Helpers of the benchmark scripts in ``benchmarks/`` (not part of the application)."""

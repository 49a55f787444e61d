"""fangkong/pipeline is plain Python: no module under it imports Django."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[2] / "fangkong" / "pipeline"


def test_nothing_under_pipeline_imports_django():
    files = list(PIPELINE.rglob("*.py"))
    assert len(files) >= 5
    offenders = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{f.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []

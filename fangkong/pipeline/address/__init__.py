"""Address standardisation and matching (plain Python, no Django).

``build_index(rows)`` / ``load_index(path)`` → ``Index``; ``match(index, text)`` → ``Decision``;
``match_many(index, records)`` for batches; ``parse(text)`` → ``ParsedAddress``.
"""

from .index import Index, build_index, load_index
from .matcher import (
    COMMITTEE_ONLY,
    MATCHED,
    OUTSIDE,
    REVIEW,
    Candidate,
    Decision,
    match,
    match_many,
)
from .normalize import normalize
from .parser import ParsedAddress, parse

__all__ = [
    "COMMITTEE_ONLY", "MATCHED", "OUTSIDE", "REVIEW", "Candidate", "Decision", "Index", "ParsedAddress",
    "build_index", "load_index", "match", "match_many", "normalize", "parse",
]

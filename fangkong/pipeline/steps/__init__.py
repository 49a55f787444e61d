"""Pipeline steps: small functions over an :class:`~fangkong.pipeline.engine.Engine`.

A step takes the engine and table handles (plus plain parameters such as a file path) and returns
a table handle; it never collects data into the driver itself. Present: address matching
(``match_addresses_step``). Issue 6 adds cleaning (SQL), linking (Splink on the engine's native
connection) and the screening rules (SQL) in the same shape.
"""

from .addresses import MATCH_COLUMNS, ensure_index_file, match_addresses_step

__all__ = ["MATCH_COLUMNS", "ensure_index_file", "match_addresses_step"]

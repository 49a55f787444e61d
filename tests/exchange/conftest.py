"""Fixtures of the exchange tests: the office's people (齐河第二社区, 上南一村, 周家渡街道, 上钢新村街道)
and uploads into a per-test media directory."""

from tests.office.conftest import _media_in_tmp, people  # noqa: F401 - fixtures re-exported for these tests

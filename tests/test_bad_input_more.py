"""Issues 3, 8 and 15, the second half of tests/test_bad_input.py's cases: the same
test in its own file (with its own previous build), so that pytest-xdist runs the two
halves on two workers at once (--dist loadfile keeps a file on one worker)."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_bad_input import CASE_SHARES, check_case, previous_build  # noqa: F401  (the fixture)


@pytest.mark.parametrize("path", CASE_SHARES[1], ids=[p.stem for p in CASE_SHARES[1]])
def test_bad_input_is_refused_with_its_exact_errors(path: Path, tmp_path: Path, previous_build: Path) -> None:
    check_case(path, tmp_path, previous_build)

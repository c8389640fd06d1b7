"""Issue 30, the second half of tests/test_check_vs_chromium.py's seeds: the same
test in its own file, with its own world (build, servers, Chromium, baseline), so
that pytest-xdist runs the two halves on two workers at once (--dist loadfile keeps
a file on one worker)."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_check_vs_chromium import SEED_SHARES, World, check_seed, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow  # a browser


@pytest.mark.parametrize("seed", SEED_SHARES[1])
def test_the_checks_verdict_is_chromiums(world: World, tmp_path: Path, seed: int) -> None:
    check_seed(world, tmp_path, seed)

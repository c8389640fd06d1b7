"""map_forked: the check's workers inherit their task at the fork and send results back."""
from __future__ import annotations

import os

import pytest

from specsites.errors import Problem, SpecSitesError
from specsites.forked import map_forked


def test_results_come_back_in_order_from_other_processes() -> None:
    table = {n: n * n for n in range(10)}  # reached through the closure, never pickled
    handle = open(os.devnull)  # an open file cannot be pickled either
    try:
        results = map_forked(lambda n: (table[n], os.getpid(), handle.closed), list(range(10)), processes=2)
    finally:
        handle.close()
    assert [square for square, _, _ in results] == [n * n for n in range(10)]
    assert os.getpid() not in {pid for _, pid, _ in results}


def test_one_item_or_one_process_runs_here() -> None:
    assert map_forked(lambda n: os.getpid(), [1], processes=2) == [os.getpid()]
    assert map_forked(lambda n: os.getpid(), [1, 2], processes=1) == [os.getpid()] * 2


def test_a_workers_bad_input_error_arrives_whole() -> None:
    def task(n: int) -> int:
        if n == 3:
            raise SpecSitesError([Problem("redirects.yml", 7, "b"), Problem("redirects.yml", 2, "a")])
        return n

    with pytest.raises(SpecSitesError) as raised:
        map_forked(task, [1, 2, 3], processes=2)
    assert [str(p) for p in raised.value.problems] == ["redirects.yml:2: a", "redirects.yml:7: b"]

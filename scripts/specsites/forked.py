"""Runs a task for each item in forked worker processes, one per core.

The workers inherit the task and all it refers to (a plan of 10,000 redirects, say)
at the fork, so nothing is pickled on the way in; only the results come back.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_task: Callable | None = None  # set only while a pool runs; inherited by its workers


def map_forked(task: Callable[[Item], Result], items: list[Item], processes: int = 0) -> list[Result]:
    """[task(item) for item in items], in order, on up to `processes` (default: one per core)."""
    global _task
    processes = min(len(items), processes or os.cpu_count() or 1)
    if processes <= 1:
        return [task(item) for item in items]
    _task = task
    try:
        # Python 3.11 forks every worker at the first submit, so each sees _task.
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, items))
    finally:
        _task = None


def _run(item):
    return _task(item)

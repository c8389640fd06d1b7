"""Runs a task for each item in forked worker processes, one per core.

The workers inherit the task and all it refers to (a plan of 10,000 redirects, say)
at the fork, so nothing is pickled on the way in; only the results come back.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_task: Callable[[Any], Any] | None = None  # set while a pool runs; its workers inherit it


def map_forked(task: Callable[[Item], Result], items: list[Item], processes: int = 0, meanwhile: Callable[[], None] | None = None) -> list[Result]:
    """[task(item) for item in items], in order, on up to `processes` (default: one per core).

    Runs here instead when one process would do, or when this process has other
    threads: a fork copies only the calling thread, and locks the others held stay
    held in the child (this also keeps concurrent calls off the one `_task`).
    meanwhile: work for this process while the workers run (after they forked).
    """
    global _task
    processes = min(len(items), processes or os.cpu_count() or 1)
    if processes <= 1 or threading.active_count() > 1:
        return [task(item) for item in items]
    _task = task
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupts) as pool:
            futures = [pool.submit(_run, item) for item in items]
            try:
                if meanwhile is not None:
                    meanwhile()
                return [future.result() for future in futures]
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # not the other items' work
                raise
    finally:
        _task = None


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; the parent alone answers it, so the
    workers do not each print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(item: Any) -> Any:
    return _task(item)

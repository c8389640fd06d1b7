"""map_forked: the check's and the build's workers inherit their task at the fork and
send results back. Forking needs a process without other threads, which a pytest
process that has served pages and driven a browser is not, so these run the code
in a fresh interpreter."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading

from specsites.machinery.forked import map_forked


def _in_fresh_python(code: str) -> object:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_results_come_back_in_order_from_other_processes() -> None:
    pids = _in_fresh_python(
        """
        import json, os
        from specsites.machinery.forked import map_forked
        table = {n: n * n for n in range(10)}  # reached through the closure, never pickled
        results = map_forked(lambda n: (table[n], os.getpid()), list(range(10)), processes=2)
        assert [square for square, _ in results] == [n * n for n in range(10)], results
        print(json.dumps({"here": os.getpid(), "workers": sorted({pid for _, pid in results})}))
        """
    )
    assert pids["here"] not in pids["workers"] and len(pids["workers"]) >= 1


def test_a_workers_bad_input_error_arrives_whole() -> None:
    lines = _in_fresh_python(
        """
        import json
        from specsites.errors import Problem, SpecSitesError
        from specsites.machinery.forked import map_forked

        def task(n):
            if n == 3:
                raise SpecSitesError([Problem("redirects.yml", 7, "b"), Problem("redirects.yml", 2, "a")])
            return n

        try:
            map_forked(task, [1, 2, 3], processes=2)
        except SpecSitesError as e:
            print(json.dumps({"problems": [str(p) for p in e.problems], "printed": str(e).splitlines()}))
        """
    )
    assert lines == {"problems": ["redirects.yml:2: a", "redirects.yml:7: b"], "printed": ["redirects.yml:2: a", "redirects.yml:7: b"]}


def test_one_item_or_one_process_runs_here() -> None:
    assert map_forked(lambda n: os.getpid(), [1], processes=2) == [os.getpid()]
    assert map_forked(lambda n: os.getpid(), [1, 2], processes=1) == [os.getpid()] * 2


def test_with_other_threads_running_it_runs_here() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert map_forked(lambda n: os.getpid(), [1, 2], processes=2) == [os.getpid()] * 2
    finally:
        stop.set()
        thread.join()

"""`specsites ARGS` run by the CLI's own entry point in a process forked from the
test's, which has imported the tool, MkDocs and Material once: the same code as
`python -m specsites` but for Python's start and the imports (about 0.6 s a command
here), for tests that run hundreds of commands (tests/test_model.py).

The child is a fresh process as far as the command can tell: its own stdout and
stderr (read back as run_cli's), the environment given, and none of the tool's
memoised answers. The tool's modules read no environment when imported but the git
identity (git_utils.IDENTITY), so a test that gives its own environment gets a
process of its own (conftest.run_cli).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

WARM = ("specsites.cli", "specsites.commands.build", "specsites.commands.check", "specsites.commands.fix", "specsites.commands.move",
        "specsites.commands.publish", "mkdocs.commands.build", "material.plugins.search.plugin", "markdown", "pymdownx.superfences",
        "pymdownx.highlight", "pygments.lexers.data", "jinja2")


def warm_up() -> None:
    for name in WARM:
        __import__(name)


def run_warm(*args: str | Path, root: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """run_cli's result, from a forked child running specsites.cli.main."""
    warm_up()
    argv = ["--root", str(root), *map(str, args)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 70
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = open(2, "w", closefd=False)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.environ.clear()
                os.environ.update(env)
                _forget_what_the_parent_computed()
                from specsites.cli import main

                try:
                    code = main(argv) or 0
                except SystemExit as e:  # argparse
                    code = e.code if isinstance(e.code, int) else 2
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = _wait(pid, timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(["specsites", *argv], os.waitstatus_to_exitcode(status), out.read().decode(), err.read().decode())


def _forget_what_the_parent_computed() -> None:
    """The tool's memoised answers (a folder's link status, a cache key, rendered
    redirect blocks) as a fresh process has them: none. A test may have called the
    tool's functions in its own process before forking this one."""
    for name, module in list(sys.modules.items()):
        if name == "specsites" or name.startswith("specsites."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                    value.cache_clear()
    versions = sys.modules.get("specsites.sources.sites")
    if versions is not None:
        versions._versions_memo.clear()


def _wait(pid: int, timeout: float) -> tuple[int, int]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return done, status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(["specsites"], timeout)
        time.sleep(0.005)

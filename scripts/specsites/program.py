"""How the tool names itself: the command the user ran, and the versions it runs on.

Messages that say what to run next ("run scripts/build first") name the command the
way the user runs it: the installed console script is `specsites build`; the
wrappers in scripts/ (which set WRAPPER_ENV) are `scripts/build`. Run as
`python -m specsites` from a checkout (as the tests do), it names the wrappers too.
"""
from __future__ import annotations

import os
import platform
from importlib import metadata

WRAPPER_ENV = "SPECSITES_WRAPPERS"  # set to "scripts" by scripts/_env.sh
_CONSOLE_SCRIPT = "specsites "
_WRAPPERS = "scripts/"

_default_prefix = _WRAPPERS  # the console script's entry point switches it (cli.console_main)


def named_as_console_script() -> None:
    """Called by the installed `specsites` entry point: name commands `specsites X`
    (unless the scripts/ wrappers started it)."""
    global _default_prefix
    _default_prefix = _CONSOLE_SCRIPT


def command(subcommand: str) -> str:
    """The command line for a subcommand as the user runs it: `specsites build` or
    `scripts/build`."""
    prefix = _WRAPPERS if os.environ.get(WRAPPER_ENV) == "scripts" else _default_prefix
    return prefix + subcommand


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 entry`, `2 entries`."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_lines() -> list[str]:
    """What `--version` prints: this tool's version and the engine, theme and Python
    it runs on (what a bug report needs)."""
    return [
        f"specsites {_version('specsites')}",
        f"engine: MkDocs {_version('mkdocs')}",
        f"theme: Material for MkDocs {_version('mkdocs-material')}",
        f"Python {platform.python_version()}",
    ]

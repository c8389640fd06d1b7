"""Which engine a `specsites build` command line would render with, for scripts/build
to install it first: `--engine NAME` if given, else the base mkdocs.yml's `engine:`."""
from __future__ import annotations

import sys
from pathlib import Path

from specsites.sources.config import ENGINES, read_config


def chosen_engine(args: list[str], root: Path) -> str:
    for index, arg in enumerate(args):
        if arg == "--engine" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--engine="):
            return arg.split("=", 1)[1]
    try:
        return read_config(root)[0].engine
    except Exception:  # a config that does not read: the build itself says why
        return ENGINES[0]


if __name__ == "__main__":
    print(chosen_engine(sys.argv[2:], Path(sys.argv[1])))

"""Parsed inputs kept between runs: the plan of redirects.yml and the inventory.

Reading and planning 100,000 redirects takes about 6 s (PyYAML composes every node
with its line, then each rule is parsed and resolved) and reading the inventory of
their old URLs about 1 s; a build, the check after it and each preview rebuild read
the same bytes again. Loading the kept result takes under half a second.

The key is a digest of everything the result is made from: the caller's inputs (a
file's bytes, the sites and their pages) and this tool's own code, so a hit is
exactly what a fresh read gives. Only results without problems are kept, so every
problem is found, with its line, by a fresh read. Entries are pickles in
cache_root()/parsed, a per-user folder this tool alone writes (as Jinja keeps its
compiled templates), never inside the output or the sources. A pickle runs code when
loaded, so one is loaded only when cache_files.py vouches for it: the user's own,
private, and carrying an HMAC under the user's key (a planted entry is ignored).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Callable, TypeVar

from specsites.machinery.cache_files import cache_root, read_entry, write_entry

T = TypeVar("T")
KEEP = 4  # entries kept per kind: the last few states of a file being edited
_TOOL = Path(__file__).resolve().parents[1]  # the package, every layer of it


def cache_dir() -> Path:
    return cache_root() / "parsed"


def cached(kind: str, inputs: tuple, compute: Callable[[], T]) -> T:
    """compute(), or what it returned before for the same inputs and code.

    inputs: bytes and JSON-able values that together decide the result. compute may
    raise (a SpecSitesError for bad input): then nothing is kept.
    """
    found = peek(kind, inputs)
    if found is not None:
        return found
    value = compute()
    store(kind, inputs, value)
    return value


def peek(kind: str, inputs: tuple) -> object | None:
    """What was kept for the inputs and this code, or None."""
    path = _entry_path(kind, inputs)
    data = read_entry(cache_root(), path)  # None unless private and authentic
    if data is None:
        return None
    try:
        value = pickle.loads(data)
        os.utime(path, follow_symlinks=False)  # recently used: kept longest
        return value
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None  # from an older shape of the code: read afresh


def store(kind: str, inputs: tuple, value: object) -> None:
    """Keep value for the inputs (a result without problems only)."""
    _store(_entry_path(kind, inputs), kind, value)


def keep(kind: str, inputs: tuple, compute: Callable[[], object]) -> None:
    """Keep compute() for the inputs unless it is kept already: for a reader that
    comes after (a build keeps what the check after it reads)."""
    path = _entry_path(kind, inputs)
    if not path.exists():
        _store(path, kind, compute())


def _entry_path(kind: str, inputs: tuple) -> Path:
    return cache_dir() / f"{kind}-{_key(kind, inputs)}.pickle"


def _key(kind: str, inputs: tuple) -> str:
    digest = hashlib.sha256(kind.encode() + b"\0" + _code_digest().encode())
    for part in inputs:
        digest.update(b"\0")
        digest.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True).encode())
    return digest.hexdigest()[:32]


@functools.cache
def _code_digest() -> str:
    """Every module of this tool: a changed parser or plan must not meet an old result."""
    digest = hashlib.sha256()
    for file in sorted(_TOOL.rglob("*.py")):
        digest.update(file.relative_to(_TOOL).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _store(path: Path, kind: str, value: object) -> None:
    """Write atomically and drop the oldest entries of the kind; a cache that cannot
    be written only costs time."""
    if not write_entry(cache_root(), path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)):
        return
    try:
        entries = sorted(path.parent.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass

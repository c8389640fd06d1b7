"""Rendered version pages kept between builds, so old versions are not rendered again
while nothing they are made from changed.

A tagged version never changes, but its page also shows today's theme, nav, spec
metadata and version links. The key is a digest of all of that (version_key), so a
hit is exactly the page a fresh render would make. Entries are JSON files in
cache_root()/versions: a per-user cache like Jinja's, never inside the output or the
sources.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

CACHE_ENV = "SPECSITES_CACHE_DIR"


def cache_root() -> Path:
    """$SPECSITES_CACHE_DIR, else $XDG_CACHE_HOME/specsites (~/.cache/specsites)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "specsites"


def cache_dir() -> Path:
    return cache_root() / "versions"


def version_key(*parts: object) -> str:
    """A digest of everything a version page is made from."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=repr).encode()).hexdigest()


def load(key: str) -> dict | None:
    """A cached page (html, ids, headings, heading_lines, source), or None."""
    try:
        entry = json.loads((cache_dir() / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("html"), str) else None


def store(key: str, entry: dict) -> None:
    """Write an entry atomically; a cache that cannot be written only costs time."""
    folder = cache_dir() / key[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".new-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entry, f)
        os.replace(temporary, folder / f"{key}.json")
    except OSError:
        pass

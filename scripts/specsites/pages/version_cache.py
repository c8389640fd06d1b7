"""Rendered version pages kept between builds, so old versions are not rendered again
while nothing they are made from changed.

A tagged version never changes, but its page also shows today's theme, nav, spec
metadata and version links. The key is a digest of all of that (version_key), so a
hit is exactly the page a fresh render would make. Entries are JSON files in
cache_root()/versions: a per-user cache like Jinja's, never inside the output or the
sources. Its HTML goes into published pages, so an entry is used only when
cache_files.py vouches for it (the user's own, private, with an HMAC under the
user's key): a planted one is ignored.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from specsites.machinery.cache_files import cache_root, read_entry, write_entry


def cache_dir() -> Path:
    return cache_root() / "versions"


def version_key(*parts: object) -> str:
    """A digest of everything a version page is made from."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=repr).encode()).hexdigest()


def load(key: str) -> dict | None:
    """A cached page (html, ids, headings, heading_lines, source), or None."""
    data = read_entry(cache_root(), cache_dir() / key[:2] / f"{key}.json")
    try:
        entry = json.loads(data) if data is not None else None
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("html"), str) else None


def store(key: str, entry: dict) -> None:
    """Write an entry atomically; a cache that cannot be written only costs time."""
    write_entry(cache_root(), cache_dir() / key[:2] / f"{key}.json", json.dumps(entry).encode("utf-8"))

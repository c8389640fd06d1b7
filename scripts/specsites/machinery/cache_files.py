"""Cache entries nobody else can plant.

The caches (parsed_cache.py: pickles; version_cache.py: HTML that goes into published
pages) live in a per-user folder. Another user who can write there, or a CI cache
restored from another branch's run, could plant an entry: a pickle runs code when
loaded, a version page carries a script to readers. So an entry is used only when

- its file and every folder from the cache root down are the user's own and writable
  by no one else (a folder or file that is not is ignored, never repaired), and
- it carries an HMAC-SHA256 of its bytes under a key only this user holds: a random
  secret in `cache_key_file()`, made 0600 on first use. The key lives outside the
  cache folder, so restoring a cache (from CI, from another machine) never brings
  the key that would make its entries valid.

Entries are written through safe_write (a unique temporary, then a rename), files
0600 in folders 0700.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from specsites.errors import SpecSitesError
from specsites.machinery.safe_write import write_file

CACHE_ENV = "SPECSITES_CACHE_DIR"
KEY_ENV = "SPECSITES_CACHE_KEY_FILE"
_TAG = 32  # bytes of HMAC-SHA256 ahead of each entry


def cache_root() -> Path:
    """$SPECSITES_CACHE_DIR, else $XDG_CACHE_HOME/specsites (~/.cache/specsites)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "specsites"


def cache_key_file() -> Path:
    """$SPECSITES_CACHE_KEY_FILE, else $XDG_CONFIG_HOME/specsites/cache-key
    (~/.config/specsites/cache-key): apart from the cache, which may be copied around."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "specsites" / "cache-key"


def is_private(path: Path) -> bool:
    """The user's own and writable by no one else (not following a link)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not stat.S_ISLNK(info.st_mode)


def _private_way(root: Path, path: Path) -> bool:
    """path and every folder from root down to it are private (is_private)."""
    current = root
    if not is_private(current):
        return False
    for part in path.relative_to(root).parts:
        current = current / part
        if not is_private(current):
            return False
    return True


@functools.cache
def _key(path: str) -> bytes | None:
    """The user's cache key, made on first use; None when it cannot be had privately
    (the caches then keep nothing)."""
    key_file = Path(path)
    try:
        key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.path.lexists(key_file):
            try:
                write_file(key_file.parent, key_file, secrets.token_hex(32), mode=0o600, keep_mode=False, exclusive=True)
            except FileExistsError:
                pass  # another process made it meanwhile: read theirs
            except SpecSitesError:
                return None
        if not (is_private(key_file.parent) and is_private(key_file)) or stat.S_IMODE(os.lstat(key_file).st_mode) & 0o077:
            return None  # readable or writable by others: a key others know signs nothing
        fd = os.open(key_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            key = os.read(fd, 1024).strip()
        finally:
            os.close(fd)
    except OSError:
        return None
    return key if len(key) >= 32 else None


def cache_key() -> bytes | None:
    return _key(str(cache_key_file()))


def read_entry(root: Path, path: Path) -> bytes | None:
    """An entry's bytes when it is private and authentic, else None."""
    key = cache_key()
    if key is None or not _private_way(root, path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 22):
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    tag, body = data[:_TAG], data[_TAG:]
    if len(tag) != _TAG or not hmac.compare_digest(tag, _mac(key, path.name, body)):
        return None
    return body


def write_entry(root: Path, path: Path, body: bytes) -> bool:
    """Keep an entry (0600, in folders 0700); False when it cannot be kept (a cache
    that cannot be written only costs time)."""
    key = cache_key()
    if key is None:
        return False
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_file(root, path, _mac(key, path.name, body) + body, mode=0o600, folder_mode=0o700, keep_mode=False)
    except (OSError, ValueError, SpecSitesError):  # a link or odd file in the way: keep nothing
        return False
    return True


def _mac(key: bytes, name: str, body: bytes) -> bytes:
    """Bound to the entry's name too: a valid entry moved under another key's name
    is not valid there."""
    return hmac.new(key, name.encode() + b"\0" + body, hashlib.sha256).digest()

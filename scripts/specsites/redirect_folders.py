"""Folders that hold only redirect pages, and which of them a rebuild can take whole
from the previous output instead of writing them again.

At 100,000 redirects a build writes some 185,000 redirect pages in 92,000 folders;
on this kind of disk creating them costs 13-30 s of kernel time, more than the
200 pages themselves, and deleting the previous output as many again. Most of them
sit in folders no page is in (`/moved/...`, `/archive-api/...`), and a rebuild
writes the same bytes there. So each such folder, taken at its highest level
(a "redirect folder"), gets a digest of its files' paths and contents; when the
previous build recorded the same digest for it, the build moves the old folder
into the new output (one rename) instead of writing its files.

Pure: the caller lists the folders and moves them (build.py).
"""
from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PreviousOutput:
    """A site's output from the last build, and its redirect folders' digests."""

    folder: str
    redirect_folders: dict[str, str] = field(default_factory=dict)


def redirect_folders(pages: dict[str, str], occupied: set[str]) -> dict[str, str]:
    """Each highest folder holding only redirect pages -> digest of what it holds.

    pages: redirect page files (site-relative path -> HTML). occupied: the folders
    anything else is written in ("" for the root), with all their parents. A page
    directly in an occupied folder is in no redirect folder: it is written.
    The digest follows the order of pages (the plan's, fixed for the same inputs):
    the same files in another order only cost a rewrite, never a wrong reuse.
    """
    hashes: dict[str, "hashlib._Hash"] = {}
    digests: dict[int, str] = {}  # id(HTML) -> its digest: thousands of files share one page
    for path, html in pages.items():
        top = _highest_free(path, occupied)
        if top is None:
            continue
        digest = digests.get(id(html))
        if digest is None:
            digest = digests[id(html)] = hashlib.sha256(html.encode("utf-8")).hexdigest()
        h = hashes.get(top)
        if h is None:
            h = hashes[top] = hashlib.sha256()
        h.update(f"{path}\0{digest}\n".encode("utf-8"))
    return {top: h.hexdigest()[:32] for top, h in sorted(hashes.items())}


def _highest_free(path: str, occupied: set[str]) -> str | None:
    """The highest folder above path that is not occupied; None if its own folder is."""
    end = path.find("/")
    while end >= 0:
        if path[:end] not in occupied:
            return path[:end]
        end = path.find("/", end + 1)
    return None


def occupied_folders(files: list[str]) -> set[str]:
    """The folders (and all their parents, "" for the root) files are written in."""
    folders = {""}
    for path in files:
        folder = posixpath.dirname(path)
        while folder not in folders:
            folders.add(folder)
            folder = posixpath.dirname(folder)
    return folders


def reusable(folders: dict[str, str], previous: dict[str, str]) -> list[str]:
    """The redirect folders the previous build wrote exactly as this one would."""
    return sorted(folder for folder, digest in folders.items() if previous.get(folder) == digest)

"""Folders that hold only redirect pages, and how a rebuild takes them from the
previous output instead of writing them again.

At 100,000 redirects a build writes some 185,000 redirect pages in 92,000 folders;
on this kind of disk creating them costs 13-30 s of kernel time, more than the
200 pages themselves, and deleting the previous output as many again. Most of them
sit in folders no page is in (`/moved/...`, `/archive-api/...`), and a rebuild
writes the same bytes there, or nearly. So each such folder, taken at its highest
level (a "redirect folder"), is recorded with a digest of each file and of the
whole. A rebuild moves the previous output's folder into the new output (one
rename) and, when some of its files differ, swaps in only those: new and changed
files are written beside the output and moved in, gone and changed ones moved out.

Pure: build.py moves the folders and files, output_stamp.py records them.
"""
from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import Callable

from specsites.urls import is_plain_relative


@dataclass(frozen=True)
class RedirectFiles:
    """A build's redirect folders: folder -> (digest of the whole, file path -> digest)."""

    folders: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {folder: {"digest": digest, "files": files} for folder, (digest, files) in self.folders.items()}

    @classmethod
    def from_json(cls, data: object) -> RedirectFiles:
        """What as_json wrote; anything else reads as no folders (all written afresh)."""
        folders = {}
        for folder, entry in data.items() if isinstance(data, dict) else ():
            files = entry.get("files") if isinstance(entry, dict) else None
            if isinstance(entry.get("digest") if isinstance(entry, dict) else None, str) and isinstance(files, dict):
                folders[folder] = (entry["digest"], {p: d for p, d in files.items() if isinstance(p, str) and isinstance(d, str)})
        return cls(folders)


@dataclass(frozen=True)
class PreviousOutput:
    """A site's output from the last build, and what it recorded of its redirect folders."""

    folder: str
    recorded: RedirectFiles = field(default_factory=RedirectFiles)


@dataclass(frozen=True)
class Reuse:
    """How a build takes redirect folders from the previous output."""

    folders: list[str] = field(default_factory=list)  # moved in whole
    write: list[str] = field(default_factory=list)  # files under them that are new or changed
    remove: list[str] = field(default_factory=list)  # files under them that are gone or changed


def redirect_files(pages: dict[str, str], occupied: set[str]) -> RedirectFiles:
    """Each highest folder holding only redirect pages, with its files' digests.

    pages: redirect page files (site-relative path -> HTML). occupied: the folders
    anything else is written in ("" for the root), with all their parents. A page
    directly in an occupied folder is in no redirect folder: it is written.
    The whole's digest follows the order of pages (the plan's, fixed for the same
    inputs): the same files in another order only cost a comparison file by file.
    """
    members: dict[str, dict[str, str]] = {}
    digests: dict[int, str] = {}  # id(HTML) -> its digest: thousands of files share one page
    for path, html in pages.items():
        top = _highest_free(path, occupied)
        if top is None:
            continue
        digest = digests.get(id(html))
        if digest is None:
            digest = digests[id(html)] = hashlib.sha256(html.encode("utf-8")).hexdigest()[:20]
        files = members.get(top)
        if files is None:
            files = members[top] = {}
        files[path] = digest
    folders = {}
    for top in sorted(members):
        whole = hashlib.sha256("".join(f"{path}\0{digest}\n" for path, digest in members[top].items()).encode("utf-8"))
        folders[top] = (whole.hexdigest()[:32], members[top])
    return RedirectFiles(folders)


def plan_reuse(new: RedirectFiles, old: RedirectFiles, present: Callable[[str], bool]) -> Reuse:
    """Which of the new build's redirect folders to take from the previous output
    (recorded there as a redirect folder too, and still present), and the files to
    swap in each. A folder where more than half would change is written afresh."""
    reuse = Reuse()
    for folder, (digest, files) in new.folders.items():
        before = old.folders.get(folder)
        if before is None or not present(folder):
            continue
        if before[0] == digest:
            reuse.folders.append(folder)
            continue
        # What the previous output recorded is read back from a file in it: a path
        # that is not plainly inside the folder is not trusted, so the folder is written afresh.
        old_files = before[1]
        if not all(_inside(path, folder) for path in old_files):
            continue
        write = [path for path, d in files.items() if old_files.get(path) != d]
        remove = [path for path, d in old_files.items() if files.get(path) != d]
        if 2 * len(set(write) | set(remove)) <= len(files):  # each costs two renames besides its write
            reuse.folders.append(folder)
            reuse.write.extend(write)
            reuse.remove.extend(remove)
    return reuse


def _inside(path: str, folder: str) -> bool:
    """Whether path names a file under folder (urls.is_plain_relative)."""
    return path.startswith(folder + "/") and is_plain_relative(path)


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

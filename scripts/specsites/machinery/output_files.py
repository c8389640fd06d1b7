"""The only code that writes generated files into a built site's folder, or moves
them in from the previous output."""
from __future__ import annotations

import errno
import os
import posixpath
import stat
from pathlib import Path
from typing import Callable

from specsites.errors import Problem, SpecSitesError
from specsites.redirects.folders import Reuse
from specsites.urls import is_plain_relative


def unsafe_paths(files: dict[str, str], pages: set[str], source: str) -> list[Problem]:
    """Paths that would leave the site folder or replace a page MkDocs built."""
    problems = []
    for rel in files:
        if not is_plain_relative(rel):
            problems.append(Problem(source, 0, f"refusing to write {rel!r} outside the site folder"))
        elif rel in pages:
            problems.append(Problem(source, 0, f"refusing to overwrite the page {rel} with a redirect"))
    return problems


def write_generated_files(site_dir: Path, files: dict[str, str], pages: set[str], source: str, skip_folders: list[str] = ()) -> None:
    """Write files (relative POSIX path -> text) under site_dir, but for those under
    skip_folders (the build moves them in whole from the previous output).

    Refuses, before writing anything, a path that would leave site_dir or replace a
    page MkDocs built: the plan already excludes both, this keeps it so. Checks the
    paths as text (no resolve(): that costs a stat per path component, and writing
    thousands of files is the slow part of a build; see benchmarks/RESULTS.md) and
    never follows a symlink at the last component.
    """
    problems = unsafe_paths(files, pages, source)
    if problems:
        raise SpecSitesError(problems)
    if skip_folders:
        skipped = tuple(folder + "/" for folder in skip_folders)
        files = {rel: text for rel, text in files.items() if not rel.startswith(skipped)}
    root = str(site_dir)
    folders = sorted({posixpath.dirname(rel) for rel in files} - {""})
    for folder in folders:
        os.makedirs(os.path.join(root, folder), exist_ok=True)

    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    for rel, text in files.items():
        fd = os.open(os.path.join(root, rel), flags, 0o644)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)


class _Journal:
    """File moves done, undone in reverse when a later one fails."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str, str]] = []

    def rename(self, source: str, target: str) -> None:
        os.rename(source, target)
        self.done.append(("rename", source, target))

    def mkdir(self, path: str) -> None:
        os.mkdir(path, 0o777)  # as the umask allows, like the folders MkDocs makes
        self.done.append(("mkdir", path, ""))

    def rmdir(self, path: str) -> None:
        os.rmdir(path)
        self.done.append(("rmdir", path, ""))

    def undo(self) -> None:
        for kind, a, b in reversed(self.done):
            if kind == "rename":
                os.rename(b, a)
            elif kind == "mkdir":
                os.rmdir(a)
            else:
                os.mkdir(a, 0o777)
        self.done.clear()


def take_reused(previous: Path, new: Path, reuse: Reuse) -> Callable[[], None]:
    """Move the reused redirect folders from the site's previous output into the new
    one, then swap their changed files: the old ones out (into reuse_leftovers), the
    new ones in (written by the build beside the site's folder); folders emptied go.

    All or nothing: if a step fails, every step before it is undone and the previous
    output is as it was. Returns what undoes it all (when another site's fails).
    """
    journal = _Journal()
    patch, replaced = reuse_leftovers(new)
    try:
        for folder in reuse.folders:
            _refuse_links(previous, folder)
            journal.rename(str(previous / folder), str(new / folder))
        for rel in {posixpath.dirname(rel) for rel in [*reuse.write, *reuse.remove]}:
            _refuse_links(new, rel, missing_ok=True)  # nothing moves in or out through a link
        if reuse.remove:
            journal.mkdir(str(replaced))
        for number, rel in enumerate(reuse.remove):
            journal.rename(str(new / rel), str(replaced / str(number)))
        for rel in reuse.write:
            folder = posixpath.dirname(rel)
            missing = []
            while not os.path.isdir(new / folder):
                missing.append(folder)
                folder = posixpath.dirname(folder)
            for folder in reversed(missing):
                journal.mkdir(str(new / folder))
            journal.rename(str(patch / rel), str(new / rel))
        kept = set(reuse.folders)
        for folder in sorted({posixpath.dirname(rel) for rel in reuse.remove}, key=len, reverse=True):
            # emptied: a fresh build has no such folder (a reused folder always holds a file)
            while folder not in kept and os.path.isdir(new / folder) and not os.listdir(new / folder):
                journal.rmdir(str(new / folder))
                folder = posixpath.dirname(folder)
    except OSError as e:
        journal.undo()
        raise SpecSitesError(Problem(str(e.filename or new), 0, f"cannot reuse the previous redirect pages ({e.strerror}); delete {previous} and build again"))
    return journal.undo


def _refuse_links(root: Path, folder: str, missing_ok: bool = False) -> None:
    """OSError unless every part of folder under root is a real folder (not a symlink
    an edited output might hold, which would lead a move outside it)."""
    path = root
    for part in folder.split("/"):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        if not stat.S_ISDIR(mode):
            raise OSError(errno.ENOTDIR, "not a real folder", str(path))


def reuse_leftovers(site_dir: Path) -> tuple[Path, Path]:
    """Beside a site's folder: the files written for its reused folders, and those
    moved out of them; deleted once the new output is in place."""
    return Path(str(site_dir) + ".patch"), Path(str(site_dir) + ".replaced")

"""The only code that writes generated files into a built site's folder."""
from __future__ import annotations

import os
import posixpath
from pathlib import Path

from specsites.errors import Problem, SpecSitesError


def unsafe_paths(files: dict[str, str], pages: set[str], source: str) -> list[Problem]:
    """Paths that would leave the site folder or replace a page MkDocs built."""
    problems = []
    for rel in files:
        normal = posixpath.normpath(rel)
        if normal != rel or rel.startswith(("/", "../")) or rel in ("", ".", "..") or "\\" in rel or "\x00" in rel:
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

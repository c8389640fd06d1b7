"""Sources are regular files inside the repository.

Anyone whose commit is merged chooses what the build reads: a page committed as a
symlink to /proc/self/environ, ~/.gitconfig or ../../.git/config would be built into
the site and published, one to /dev/zero read until memory runs out, a FIFO read
forever. So every file a command reads or copies is judged first (source_problem):
a symlink may only lead to a file inside the repository (and not into .git), and
what it names must be a regular file or folder; devices, FIFOs and sockets are
refused. Reads are bounded (read_source).

vet_tree walks the folders a build reads (a site's folder, the shared docs/, the
configs, the map, the inventory) before MkDocs or any command reads them; the plugin
also judges each file of MkDocs' own Files collection (vet_paths), which a plain
`mkdocs build` gathers by following links.
"""
from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

from specsites.errors import Problem, SpecSitesError

MAX_SOURCE_BYTES = 64 * 1024 * 1024  # a page, spec, asset or config: far above any real one
_FIX = "commit the file itself, inside the repository"


def _shown(path: Path, root: Path) -> str:
    path = Path(os.path.abspath(path))
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def source_problem(path: Path, root: Path) -> Problem | None:
    """Why the source at path may not be read (None: it may). root: the repository
    (absolute). A missing file is not a problem here: the reader says what is missing."""
    root = Path(os.path.realpath(root))
    shown = _shown(path, root)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        return Problem(shown, 0, f"cannot be read ({e.strerror}); {_FIX}")
    if stat.S_ISLNK(mode) or not Path(os.path.abspath(path)).is_relative_to(root) or _through_link(path):
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root):
            return Problem(shown, 0, f"is a symlink that leads outside the repository (to {real}); {_FIX}, not a link to it")
        if ".git" in real.relative_to(root).parts:
            return Problem(shown, 0, f"is a symlink into git's own files ({real.relative_to(root).as_posix()}); {_FIX}, not a link to it")
        try:
            mode = os.stat(real).st_mode
        except OSError:
            return Problem(shown, 0, f"is a symlink that leads nowhere; {_FIX}, or delete the link")
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return Problem(shown, 0, f"is {_kind(mode)}, not a file; {_FIX}")


def _through_link(path: Path) -> bool:
    """True when a folder on the way to path is a symlink (realpath then differs)."""
    return _folder_is_linked(os.path.dirname(os.path.abspath(path)))


@functools.lru_cache(maxsize=4096)
def _folder_is_linked(folder: str) -> bool:
    # Cached: a site's thousands of pages share a few folders. The sources do not
    # change while one command runs; a link made meanwhile is the reader's own doing.
    return os.path.realpath(folder) != folder


def vet_paths(paths: list[Path], root: Path) -> list[Problem]:
    """A problem for each path that is not a source the tool may read."""
    return sorted({p for p in (source_problem(path, root) for path in paths) if p is not None})


def vet_tree(root: Path, paths: list[Path]) -> list[Problem]:
    """A problem for every entry under each path (a folder walked without following
    links, or a file) that is not a source the tool may read. Links that stay inside
    the repository are allowed; what they lead to is judged where it is, or here."""
    root = Path(os.path.realpath(root))
    _folder_is_linked.cache_clear()  # a new look at the tree
    problems: list[Problem] = []
    for top in paths:
        if (problem := source_problem(top, root)) is not None:
            problems.append(problem)
            continue
        if not top.is_dir():
            continue
        for folder, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in [*dirnames, *filenames]:
                problem = _entry_problem(Path(folder) / name, root)
                if problem is not None:
                    problems.append(problem)
    return sorted(set(problems))


def _entry_problem(path: Path, root: Path) -> Problem | None:
    """source_problem for an entry os.walk listed: only links and odd kinds need more
    than the lstat the walk's own DirEntry made (cheap for thousands of pages)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return source_problem(path, root)


def read_source(path: Path, root: Path | None = None, *, display: str | None = None, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a source file: judged by source_problem when root is given, opened
    without blocking and read only when it is a regular file, at most `limit` bytes.

    FileNotFoundError and IsADirectoryError pass through (the callers say what is
    missing); anything else that may not be read is SpecSitesError.
    """
    shown = display or (_shown(path, Path(os.path.realpath(root))) if root is not None else str(path))
    if root is not None and (problem := source_problem(path, root)) is not None:
        raise SpecSitesError(Problem(shown, 0, problem.message))
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise SpecSitesError(Problem(shown, 0, f"is {_kind(info.st_mode)}, not a file; {_FIX}"))
        if info.st_size > limit:
            raise SpecSitesError(Problem(shown, 0, f"is {info.st_size // 1_000_000} MB, over the {limit // 1_000_000} MB limit for a source; make it smaller"))
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise SpecSitesError(Problem(shown, 0, f"is over the {limit // 1_000_000} MB limit for a source; make it smaller"))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_source_text(path: Path, root: Path | None = None, *, display: str | None = None) -> str:
    """read_source() decoded as UTF-8 (UnicodeDecodeError passes through)."""
    return read_source(path, root, display=display).decode("utf-8")

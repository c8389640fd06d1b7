"""The one writer of every file the tool writes whole: sources (`check --fix`, `new`,
`mv`, the publish record), the output's stamp and the caches.

A committed file may be a symlink a stranger placed (`.mkdocs.yml.new -> ~/.bashrc`),
so nothing is written through a name that exists: each file is written under a
unique temporary name made exclusively (O_EXCL) in its own folder, then renamed over
the target, which replaces a link rather than following it. Folders on the way
below `root` must be real folders, not links out of it. The files of one call land
all or none: the old ones are kept under temporary names until every rename is done,
and put back if one fails.

write_generated_files (output_files.py) writes the thousands of files of a fresh
output folder, which no one else has seen yet; everything else comes here.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from specsites.errors import Problem, SpecSitesError


def _read_umask() -> int:
    # Read once, while the process has one thread: setting it to read it is not
    # safe while others create files (the preview's threads).
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def write_files(root: Path, files: dict[Path, str | bytes], *, mode: int = 0o644, folder_mode: int = 0o777, keep_mode: bool = True, exclusive: bool = False) -> None:
    """Write every file (absolute path under root -> text or bytes) or none of them.

    A target that is a symlink, or not a regular file, or a folder on the way that is
    a symlink or not a folder, stops the call before anything is written
    (SpecSitesError naming it). An existing file keeps its permission bits (unless
    keep_mode is False); a new one gets `mode` (less the umask's bits). Folders missing on the way are made with
    `folder_mode` and removed again if the call fails. exclusive: never replace a
    file; one that exists (even if made meanwhile) fails the call (FileExistsError).
    """
    root = Path(os.path.abspath(root))
    targets = {Path(os.path.abspath(path)): data for path, data in files.items()}
    problems = [p for p in (_target_problem(root, path) for path in targets) if p is not None]
    if problems:
        raise SpecSitesError(problems)
    made_folders: list[Path] = []
    temporaries: dict[Path, str] = {}
    backups: dict[Path, str] = {}
    replaced: list[Path] = []
    try:
        for path, data in targets.items():
            made_folders += _make_folders(root, path.parent, folder_mode)
            temporaries[path] = _write_temporary(path, data.encode("utf-8") if isinstance(data, str) else data, mode, keep_mode)
        for path in targets:
            if os.path.lexists(path) and not exclusive:
                backups[path] = _unique_name(path, ".old-")
                os.link(path, backups[path], follow_symlinks=False)
        for path, temporary in temporaries.items():
            if exclusive:
                os.link(temporary, path, follow_symlinks=False)  # fails on any name that exists
                replaced.append(path)
                os.unlink(temporary)
            else:
                os.rename(temporary, path)
                replaced.append(path)
    except BaseException:
        for path in reversed(replaced):
            if path in backups:
                os.rename(backups.pop(path), path)
            else:
                os.unlink(path)
        for name in [*temporaries.values(), *backups.values()]:
            _unlink_quietly(name)
        for folder in reversed(made_folders):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        raise
    for name in backups.values():
        _unlink_quietly(name)


def refuse_unsafe_targets(root: Path, paths: list[Path]) -> None:
    """SpecSitesError naming each path write_files() would refuse (for a command
    that checks every file it will write before it changes the first)."""
    root = Path(os.path.abspath(root))
    problems = [p for p in (_target_problem(root, Path(os.path.abspath(path))) for path in paths) if p is not None]
    if problems:
        raise SpecSitesError(problems)


def make_folders(root: Path, folder: Path, folder_mode: int = 0o777) -> list[Path]:
    """Make the folders missing on the way from root to folder, each existing part a
    real folder (not a link); the folders made, outermost first."""
    root = Path(os.path.abspath(root))
    folder = Path(os.path.abspath(folder))
    refuse_unsafe_targets(root, [folder / "_"])
    return _make_folders(root, folder, folder_mode)


def write_file(root: Path, path: Path, data: str | bytes, *, mode: int = 0o644, folder_mode: int = 0o777, keep_mode: bool = True, exclusive: bool = False) -> None:
    """write_files() of one file."""
    write_files(root, {path: data}, mode=mode, folder_mode=folder_mode, keep_mode=keep_mode, exclusive=exclusive)


def _target_problem(root: Path, path: Path) -> Problem | None:
    """Why path may not be written (a link, a device, a folder on the way that is a
    link), or None. Only the part below root is judged: above it is the user's."""
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if not path.is_relative_to(root) or path == root:
        return Problem(shown, 0, f"refusing to write outside {root}; this is a bug, please report it")
    folder = root
    for part in path.relative_to(root).parts[:-1]:
        folder = folder / part
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            break  # made as a real folder when written
        if stat.S_ISLNK(mode):
            where = folder.relative_to(root).as_posix()
            return Problem(where, 0, f"is a symlink, and {shown} would be written through it; replace the link with a real folder")
        if not stat.S_ISDIR(mode):
            return Problem(folder.relative_to(root).as_posix(), 0, "is not a folder; remove or rename it")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return Problem(shown, 0, "is a symlink, and the tool never writes through one; delete the link")
    if not stat.S_ISREG(mode):
        return Problem(shown, 0, "is not a regular file; remove it")
    return None


def _make_folders(root: Path, folder: Path, folder_mode: int) -> list[Path]:
    """The folders made on the way to `folder` (outermost first); each part that
    exists must be a real folder (checked again here: it may have changed)."""
    made = []
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        try:
            os.mkdir(current, folder_mode)
            made.append(current)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                raise OSError(errno.ENOTDIR, "not a real folder", str(current))
    return made


def _write_temporary(path: Path, data: bytes, mode: int, keep_mode: bool) -> str:
    """data in a new file beside path, made exclusively; its name."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            try:
                if not keep_mode:
                    raise FileNotFoundError
                keep = stat.S_IMODE(os.lstat(path).st_mode)
            except FileNotFoundError:
                keep = mode & ~_UMASK
            os.fchmod(f.fileno(), keep)
    except BaseException:
        _unlink_quietly(temporary)
        raise
    return temporary


def _unique_name(path: Path, prefix: str) -> str:
    """A name beside path that nothing holds now (for a hard link to the old file)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{prefix}")
    os.close(fd)
    os.unlink(name)
    return name


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass

"""Small git calls for publishing and for reading tagged versions (blobs, never a
checkout); each failure raises GitError with git's own words."""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message is git's stderr."""


def git(*args: str, git_dir: Path | None = None, work_tree: Path | None = None, env: dict | None = None, cwd: Path | None = None) -> str:
    command = ["git"]
    if git_dir is not None:
        command += ["--git-dir", str(git_dir)]
    if work_tree is not None:
        command += ["--work-tree", str(work_tree)]
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(command + list(args), capture_output=True, text=True, env=full_env, cwd=cwd)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return result.stdout.strip()


def source_commit(root: Path) -> str:
    """The repository's HEAD as `sha subject`, marked when the work tree has changes."""
    try:
        head = git("log", "-1", "--format=%h %s", cwd=root)
        dirty = git("status", "--porcelain", "--untracked-files=no", cwd=root)
    except GitError:
        return "an unversioned tree"
    return head + (" (with uncommitted changes)" if dirty else "")


@dataclass(frozen=True)
class Source:
    """The state of the sources being published."""

    commit: str  # HEAD's full hash; "" outside a git repository
    short: str = ""  # HEAD's abbreviated hash
    subject: str = ""
    time: str = ""  # HEAD's commit time in seconds since the epoch (now, outside a repository)
    changed: list[str] = field(default_factory=list)  # paths with uncommitted changes, untracked ones too

    def describe(self) -> str:
        if not self.commit:
            return "an unversioned tree"
        return f"{self.short} {self.subject}" + (" (with uncommitted changes)" if self.changed else "")


def read_source(root: Path) -> Source:
    try:
        commit, short, when, subject = git("log", "-1", "--format=%H%n%h%n%ct%n%s", cwd=root).split("\n", 3)
    except (GitError, ValueError):
        return Source("", time=str(int(time.time())))
    # Not through git(): its stripping would cut the first entry's leading status column.
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], capture_output=True, text=True, cwd=root)
    changed = [line[3:] for line in status.stdout.splitlines() if len(line) > 3]
    # A build's output in the work tree (site/, marked by the build) is not a source.
    outputs = {path.split("/", 1)[0] for path in changed if "/" in path and (root / path.split("/", 1)[0] / ".specsites-output").is_file()}
    changed = [path for path in changed if path.split("/", 1)[0] not in outputs]
    return Source(commit, short, subject, when, changed)


def last_changed(root: Path, path: str) -> str:
    """The date (YYYY-MM-DD) of the last commit that changed path; "" outside git or
    for a file never committed (a tarball's build then shows the spec's own date)."""
    try:
        return git("log", "-1", "--format=%cs", "--", path, cwd=root)
    except (GitError, OSError):
        return ""


def tags(root: Path) -> list[tuple[str, str]]:
    """Every tag as (name, the commit it points at); [] outside git."""
    try:
        out = git("for-each-ref", "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)", "refs/tags/", cwd=root)
    except (GitError, OSError):
        return []
    found = []
    for line in out.splitlines():
        name, obj, peeled = line.split("\0")
        found.append((name, peeled or obj))
    return found


def tag_files(root: Path) -> list[Path]:
    """Where git keeps the tags (to watch them in the preview); [] outside git."""
    try:
        common = Path(git("rev-parse", "--git-common-dir", cwd=root))
    except (GitError, OSError):
        return []
    common = common if common.is_absolute() else root / common
    return [common / "refs" / "tags", common / "packed-refs"]


def _batch(root: Path, option: str, lines: list[str]) -> bytes:
    """One `git cat-file --batch*` run over many objects (one process for them all)."""
    result = subprocess.run(["git", "cat-file", option], input="".join(f"{line}\n" for line in lines).encode(), capture_output=True, cwd=root)
    if result.returncode != 0:
        raise GitError(f"git cat-file: {result.stderr.decode(errors='replace').strip() or 'failed'}")
    return result.stdout


def blob_ids(root: Path, objects: list[str]) -> dict[str, str]:
    """`<commit>:<path>` -> the blob id there, for those that exist (no checkout)."""
    if not objects:
        return {}
    found = {}
    for name, line in zip(objects, _batch(root, "--batch-check", objects).decode().splitlines()):
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob":
            found[name] = parts[0]
    return found


def read_blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """Blob id -> its content, read in one `git cat-file --batch`."""
    blobs = sorted(set(blobs))
    if not blobs:
        return {}
    out, at, contents = _batch(root, "--batch", blobs), 0, {}
    for blob in blobs:
        end = out.index(b"\n", at)
        sha, kind, size = out[at:end].split()
        start = end + 1
        contents[blob] = out[start: start + int(size)]
        at = start + int(size) + 1
    return contents


def commit_time(root: Path) -> str:
    """HEAD's commit time in seconds since the epoch (now, outside a repository)."""
    try:
        return git("log", "-1", "--format=%ct", cwd=root)
    except GitError:
        return str(int(time.time()))


# Publishing must work where no git identity is configured (CI, fresh machines).
IDENTITY = {
    "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "specsites"),
    "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "specsites@carbondataspec.org"),
    "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "specsites"),
    "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "specsites@carbondataspec.org"),
}


def git_rename(root: Path, path: str) -> tuple[str, str] | None:
    """(where git shows path renamed to, since when) comparing the last commit that
    had it with the work tree (so commits, staged moves and `git mv` all count)."""
    try:
        git("cat-file", "-e", f"HEAD:./{path}", cwd=root)
        base, since = "HEAD", "in the work tree"
    except GitError:
        try:
            removed = git("rev-list", "-1", "HEAD", "--", path, cwd=root)
        except GitError:
            return None
        if not removed:
            return None
        base, since = f"{removed}^", f"in commit {removed[:10]}"
    try:
        out = git("diff", "-M", "--relative", "--name-status", "-z", base, cwd=root)
    except GitError:
        return None
    fields = out.split("\0")
    i = 0
    while i < len(fields):
        status = fields[i]
        if status.startswith(("R", "C")) and i + 2 < len(fields):
            if fields[i + 1] == path and status.startswith("R"):
                return fields[i + 2], since
            i += 3
        else:
            i += 2
    return None

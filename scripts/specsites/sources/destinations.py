"""Where `specsites publish` commits each site: read, and validated before git sees it.

A destination comes from the base mkdocs.yml (`destinations:` of the specsites plugin)
or from `--dest SITE=REMOTE[#BRANCH]`. Either may be written by someone other than the
publisher (a pull request, a copied command line), and git reads an argument that
starts with `-` as an option (`--upload-pack=...` runs a command), so every remote and
branch is checked here and passed to git after `--end-of-options` as well.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from specsites.errors import Problem, SpecSitesError, unknown_site
from specsites.sources.yaml_nodes import is_null, is_str, line

DEFAULT_BRANCH = "gh-pages"
REMOTE_SCHEMES = ("https", "ssh", "git", "file")
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.+)")
# scp-like `[user@]host:path`: a host name, then a path that is not itself an option.
_SCP = re.compile(r"(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!-)[^:].*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # spaces are harmless: git gets one argument


@dataclass(frozen=True)
class RemoteBranch:
    """Where a site is published: a git remote and a branch there."""

    remote: str  # a URL, an scp-like address or an absolute path; never an option
    branch: str = DEFAULT_BRANCH

    def __str__(self) -> str:
        return f"{self.remote} {self.branch}"


def remote_problem(value: object, cwd: Path) -> tuple[str, str]:
    """(the remote as git gets it, "") or ("", what is wrong with it)."""
    if not isinstance(value, str) or not value:
        return "", "must be text: a URL (https://, ssh://, git://, file://), user@host:path or a local path"
    if value.startswith("-"):
        return "", f"{value!r} would be read by git as an option; give a URL (https://, ssh://, git://, file://), user@host:path or a local path"
    if _CONTROL.search(value):
        return "", f"{value!r} holds a control character; give a URL, user@host:path or a local path without one"
    if url := _URL.fullmatch(value):
        if url.group("scheme").lower() not in REMOTE_SCHEMES:
            return "", f"{value!r}: the scheme {url.group('scheme')}:// is not allowed; use one of {', '.join(s + '://' for s in REMOTE_SCHEMES)}"
        if re.match(r"(?:[^/@]*@)?-", url.group("rest")):  # ssh would read `-o...` as an option
            return "", f"{value!r}: a user or host name starts with '-'; fix the URL"
        return value, ""
    if "::" in value:  # git's `transport::address` form runs a helper program
        return "", f"{value!r} names a git remote helper; give a URL (https://, ssh://, git://, file://), user@host:path or a local path"
    path = cwd / value
    if path.exists():
        return str(path.resolve()), ""
    if _SCP.fullmatch(value) and "/" not in value.split(":", 1)[0]:
        return value, ""
    return "", f"{value!r} is not a URL (https://, ssh://, git://, file://), user@host:path or an existing local path; fix it"


def configured_remote_problem(value: object, root: Path) -> tuple[str, str]:
    """remote_problem() for a remote written into the repository (mkdocs.yml, `new
    site --remote`): also never a repository inside the source tree, which would
    bring its own hooks and config: a pull request must not choose what runs when
    the publisher pushes."""
    remote, why = remote_problem(value, root)
    if not why and (local := local_path(remote)) is not None and local.resolve().is_relative_to(root.resolve()):
        return "", f"{value!r} is a folder inside this repository; publish to a repository outside it (or pass --dest, your own choice)"
    return remote, why


def local_path(remote: str) -> Path | None:
    """The folder of a remote git reaches on this machine (a path, a file:// URL),
    else None."""
    if remote.startswith("/"):
        return Path(remote)
    if remote.lower().startswith("file://"):
        return Path(unquote(urlsplit(remote).path or "/"))
    return None


def branch_problem(value: object) -> str:
    """"" when value is a branch name git accepts (`git check-ref-format`), else what is wrong."""
    if not isinstance(value, str) or not value:
        return "must be text, like gh-pages"
    if value.startswith("-") or _CONTROL.search(value) or " " in value:
        return f"{value!r} is not a valid branch name; use a name like gh-pages"
    # The full ref name cannot be read as an option, whatever the value.
    checked = subprocess.run(["git", "check-ref-format", f"refs/heads/{value}"], capture_output=True)
    if checked.returncode != 0:
        return f"{value!r} is not a valid branch name (git check-ref-format); use a name like gh-pages"
    return ""


def configured_destinations(node: yaml.Node | None, site_names: list[str], cwd: Path, filename: str) -> tuple[dict[str, RemoteBranch], list[Problem]]:
    """The `destinations:` of the base mkdocs.yml (its node, None when absent), and a
    problem for each entry that is not `SITE: {remote: ..., branch: ...}` with a valid
    remote and branch. Local paths are relative to cwd."""
    if node is None or is_null(node):
        return {}, []
    if not isinstance(node, yaml.MappingNode):
        return {}, [Problem(filename, line(node), "destinations must map each site to {remote: ..., branch: ...}; fix it")]
    found: dict[str, RemoteBranch] = {}
    problems: list[Problem] = []
    for key, value in node.value:
        site = key.value if is_str(key) else None
        if site not in site_names:
            problems.append(Problem(filename, line(key), "destinations: " + unknown_site(getattr(key, "value", ""), site_names)))
            continue
        if not isinstance(value, yaml.MappingNode):
            problems.append(Problem(filename, line(value), f"destinations: {site} must be a mapping with remote: and branch:; fix it"))
            continue
        fields = {k.value: v for k, v in value.value if is_str(k)}
        extra = [k for k, _ in value.value if not is_str(k) or k.value not in ("remote", "branch")]
        if extra:
            problems.append(Problem(filename, line(extra[0]), f"destinations: {site}: unknown setting {getattr(extra[0], 'value', '')!r}; only remote and branch are read"))
            continue
        if "remote" not in fields:
            problems.append(Problem(filename, line(value), f"destinations: {site} has no remote; add remote: with a URL or path"))
            continue
        remote_node = fields["remote"]
        remote, why = configured_remote_problem(remote_node.value if is_str(remote_node) else None, cwd)
        if why:
            problems.append(Problem(filename, line(remote_node), f"destinations: {site}: remote {why}"))
            continue
        branch = DEFAULT_BRANCH
        if "branch" in fields:
            branch_node = fields["branch"]
            branch = branch_node.value if is_str(branch_node) else None
            if why := branch_problem(branch):
                problems.append(Problem(filename, line(branch_node), f"destinations: {site}: branch {why}"))
                continue
        found[site] = RemoteBranch(remote, branch)
    return found, problems


def override_destinations(pairs: list[str], site_names: list[str], cwd: Path) -> tuple[dict[str, RemoteBranch], list[Problem]]:
    """`--dest SITE=REMOTE[#BRANCH]` values, each checked like the configured ones."""
    found: dict[str, RemoteBranch] = {}
    problems: list[Problem] = []
    for pair in pairs:
        site, _, target = pair.partition("=")
        remote, hash_sign, branch = target.partition("#")
        branch = branch if hash_sign else DEFAULT_BRANCH
        if not site or not remote:
            problems.append(Problem("--dest", 0, f"{pair!r} is not SITE=REMOTE or SITE=REMOTE#BRANCH"))
            continue
        if site not in site_names:
            problems.append(Problem("--dest", 0, unknown_site(site, site_names)))
            continue
        checked, why = remote_problem(remote, cwd)
        if why:
            problems.append(Problem("--dest", 0, f"{site}: remote {why}"))
            continue
        if why := branch_problem(branch):
            problems.append(Problem("--dest", 0, f"{site}: branch {why}"))
            continue
        found[site] = RemoteBranch(checked, branch)
    return found, problems


def destinations(configured: dict[str, RemoteBranch], site_names: list[str], overrides: list[str], cwd: Path) -> dict[str, RemoteBranch]:
    """Each site's destination: the configured ones (config.Settings, already
    checked), then the overrides from the command line (local paths relative to the
    current folder); every problem of the overrides at once, as SpecSitesError."""
    overridden, problems = override_destinations(overrides, site_names, cwd)
    if problems:
        raise SpecSitesError(problems)
    return {**configured, **overridden}

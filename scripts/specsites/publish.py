"""`specsites publish`: build (strict), check, then commit each site to its branch.

Nothing is pushed unless every site built and the check passed; each site's commit
is prepared before any push. Publishing unchanged output makes no commit.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from specsites.build import BuildReport, build_sites
from specsites.check import CheckReport, check_sites, format_report
from specsites.errors import Problem, SpecSitesError
from specsites.git_utils import IDENTITY, GitError, commit_time, git, source_commit
from specsites.inventory import FILENAME as INVENTORY
from specsites.inventory import Inventory, dump_inventory, load_inventory, merge
from specsites.sites import BASE_CONFIG, load_repository, plugin_options, read_yaml_config


@dataclass(frozen=True)
class Destination:
    remote: str  # a URL or path git can push to
    branch: str = "gh-pages"


@dataclass
class SitePublish:
    site: str
    destination: Destination
    commit: str = ""  # "" when nothing changed
    parent: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)  # added/changed/removed -> paths


@dataclass
class PublishReport:
    build: BuildReport
    check: CheckReport
    sites: list[SitePublish]
    recorded: str = ""  # the commit that added what went live to published-urls.yml


class PublishRefused(SpecSitesError):
    """The build or the check failed: nothing was pushed."""


def destinations(root: Path, overrides: list[str]) -> dict[str, Destination]:
    """Each site's remote and branch: base mkdocs.yml, then `SITE=REMOTE[#BRANCH]` overrides."""
    base, _ = read_yaml_config(root / BASE_CONFIG, BASE_CONFIG)
    configured = plugin_options(base).get("destinations") or {}
    found = {site: Destination(d["remote"], d.get("branch", "gh-pages")) for site, d in configured.items() if isinstance(d, dict) and "remote" in d}
    for pair in overrides:
        site, _, target = pair.partition("=")
        remote, _, branch = target.partition("#")
        if not site or not remote:
            raise SpecSitesError(Problem("--dest", 0, f"{pair!r} is not SITE=REMOTE or SITE=REMOTE#BRANCH"))
        found[site] = Destination(remote, branch or "gh-pages")
    return found


def _prepare(site: str, site_dir: Path, destination: Destination, message: str, git_dir: Path) -> SitePublish:
    """A commit of site_dir on top of the destination branch, in a scratch repository."""
    result = SitePublish(site, destination)
    git("init", "--quiet", "--bare", str(git_dir))
    try:
        git("fetch", "--quiet", "--depth=1", destination.remote, f"+refs/heads/{destination.branch}:refs/remotes/dest", git_dir=git_dir)
        result.parent = git("rev-parse", "refs/remotes/dest", git_dir=git_dir)
    except GitError as e:
        if "couldn't find remote ref" not in str(e):  # a branch not yet published
            raise
    index = {"GIT_INDEX_FILE": str(git_dir / "publish-index")}
    git("add", "--all", "--force", ".", git_dir=git_dir, work_tree=site_dir, env=index, cwd=site_dir)
    tree = git("write-tree", git_dir=git_dir, env=index)
    if result.parent and git("rev-parse", f"{result.parent}^{{tree}}", git_dir=git_dir) == tree:
        return result
    parent_args = ["-p", result.parent] if result.parent else []
    result.commit = git("commit-tree", tree, *parent_args, "-m", message, git_dir=git_dir, env=IDENTITY)
    result.changes = _changes(git_dir, result.parent, tree)
    return result


def _changes(git_dir: Path, parent: str, tree: str) -> dict[str, list[str]]:
    kinds = {"A": "added", "M": "changed", "D": "removed"}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    if not parent:
        changes["added"] = git("ls-tree", "-r", "--name-only", tree, git_dir=git_dir).splitlines()
        return changes
    for line in git("diff-tree", "-r", "--no-renames", "--name-status", parent, tree, git_dir=git_dir).splitlines():
        status, _, path = line.partition("\t")
        changes[kinds.get(status[0], "changed")].append(path)
    return changes


def publish_sites(*, root: Path, dest_overrides: list[str] = (), base_url_pairs: list[str] = (), dry_run: bool = False) -> PublishReport:
    targets = destinations(root, list(dest_overrides))
    names = load_repository(root).names
    unknown = sorted(set(targets) - set(names))
    if unknown:  # said before building anything
        raise SpecSitesError(Problem("--dest", 0, f"unknown site {unknown[0]!r}; use one of: {', '.join(names)}"))
    # Dates in sitemap.xml (and its .gz) come from the source commit, not the clock, so
    # publishing the same source on another day makes no new commit.
    os.environ.setdefault("SOURCE_DATE_EPOCH", commit_time(root))
    with tempfile.TemporaryDirectory(prefix="specsites-publish-") as scratch:
        out = Path(scratch) / "site"
        build = build_sites(root=root, out=out, base_url_pairs=list(base_url_pairs))
        check = check_sites(root=root, out=out, base_url_pairs=list(base_url_pairs))
        if not check.ok:
            raise PublishRefused([Problem("", 0, line) for line in format_report(check) if line.startswith("FAIL")])
        missing = [r.site for r in build.results if r.site not in targets]
        if missing:
            raise SpecSitesError(Problem(BASE_CONFIG, 0, f"no destination for {missing[0]}; add it under the specsites plugin's destinations, or pass --dest {missing[0]}=REMOTE"))
        message_source = source_commit(root)
        prepared = []
        for result in build.results:
            message = f"Publish {result.site} from {message_source}"
            prepared.append(_prepare(result.site, out / result.site, targets[result.site], message, Path(scratch) / f"{result.site}.git"))
        if not dry_run:
            for site in prepared:
                if site.commit:
                    git("push", "--quiet", site.destination.remote, f"{site.commit}:refs/heads/{site.destination.branch}", git_dir=Path(scratch) / f"{site.site}.git")
            if not base_url_pairs:  # a staging copy is not what readers were given
                recorded = record_published(root, {r.site: {u: set(i) for u, i in r.published.items()} for r in build.results}, message_source)
    return PublishReport(build, check, prepared, recorded if not dry_run and not base_url_pairs else "")


def record_published(root: Path, published: Inventory, source: str) -> str:
    """Add what went live to published-urls.yml, in a commit of its own when the
    sources are a git work tree, so the record is reviewed like any change.

    Returns the commit made ("" when nothing new went live, or outside git).
    """
    path = root / INVENTORY
    repo = load_repository(root)
    before = load_inventory(repo)
    after = merge(before, published)
    if after == before:
        return ""
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(dump_inventory(after), encoding="utf-8")
    os.replace(temporary, path)
    try:
        git("rev-parse", "--is-inside-work-tree", cwd=root)
    except GitError:
        return ""
    git("add", "--", INVENTORY, cwd=root)
    git("commit", "--quiet", "--no-verify", "-m", f"Record what the publish of {source} put live", "--", INVENTORY, cwd=root, env=IDENTITY)
    return git("rev-parse", "--short", "HEAD", cwd=root)

"""`specsites publish`: build (strict), check, then commit each site to its branch.

Nothing is pushed unless the source is committed (or --allow-dirty), every site built
and the check passed; each destination's commit is prepared before any push. Sites
that share a destination (a staging copy of every site in one repository) go under
their folders in one commit. Publishing unchanged output makes no commit, and the
commit is made from the source alone (tree, parent, message, dates), so the dry run
names the commit the real run pushes.
"""
from __future__ import annotations

import os
import posixpath
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from specsites.commands.build import BuildReport, build_sites
from specsites.commands.check import CheckReport, check_sites, format_report
from specsites.sources.config import BASE_CONFIG
from specsites.program import command
from specsites.sources.destinations import RemoteBranch, destinations, local_path
from specsites.errors import Problem, SpecSitesError, raise_if_any
from specsites.machinery.safe_write import write_file
from specsites.machinery.git_utils import IDENTITY, GitError, Source, git, read_source
from specsites.sources.inventory import FILENAME as INVENTORY
from specsites.sources.inventory import Inventory, dump_inventory, load_inventory, merge
from specsites.sources.sites import Repository, base_urls, load_repository

SOURCE_TRAILER = "Source-Commit"  # in each publish commit's message: what it was built from


@dataclass
class SitePublish:
    site: str
    destination: RemoteBranch
    folder: str = ""  # where the site lies in the branch: "" for its root
    commit: str = ""  # "" when nothing changed
    parent: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)  # added/changed/removed -> paths in the branch
    pushed: bool = False
    pages: set[str] = field(default_factory=set)  # the files of the site's pages, as paths in the branch
    git_dir: Path | None = field(default=None, repr=False)  # the scratch repository holding the commit


@dataclass
class PublishReport:
    build: BuildReport
    check: CheckReport
    sites: list[SitePublish]
    recorded: str = ""  # the commit that added what went live to published-urls.yml
    not_recorded: str = ""  # why a publish that pushed recorded nothing ("" when it recorded or was a dry run)


class PublishRefused(SpecSitesError):
    """The source, the build or the check is not fit to publish: nothing was pushed."""


class CheckFailed(Exception):
    """The built output did not pass the check: nothing was pushed. Exits as a
    failed `specsites check` does."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__("\n".join(line for line in format_report(report) if line.startswith("FAIL")))
        self.report = report


class PushFailed(Exception):
    """A push failed after others may have succeeded; the lines say which site, where,
    and what was and was not published."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))


def publish_sites(*, root: Path, dest_overrides: list[str] = (), base_url_pairs: list[str] = (), dry_run: bool = False, allow_dirty: bool = False, record: bool = False) -> PublishReport:
    repo = load_repository(root)
    targets = read_destinations(repo, list(dest_overrides))  # said before building anything
    folders = site_folders(targets, base_urls(repo, list(base_url_pairs)))
    if record and base_url_pairs:
        raise SpecSitesError(Problem("--record", 0, "a staging copy (--base-url, --staging-base) is not what readers were given, so it cannot be recorded; drop --record or the staging option"))
    not_recorded = why_not_recorded(repo.config.destinations, targets, bool(base_url_pairs), record)
    source = read_source(root)
    refuse_unfit_source(source, allow_dirty)
    if not dry_run and not not_recorded:
        refuse_without_identity(root)
    # Dates in sitemap.xml (and its .gz) come from the source commit, not the clock, so
    # publishing the same source on another day makes no new commit.
    os.environ.setdefault("SOURCE_DATE_EPOCH", source.time)
    with tempfile.TemporaryDirectory(prefix="specsites-publish-") as scratch:
        out = Path(scratch) / "site"
        build = build_sites(root=root, out=out, base_url_pairs=list(base_url_pairs))
        check = check_sites(root=root, out=out, base_url_pairs=list(base_url_pairs))
        if not check.ok:
            raise CheckFailed(check)
        missing = [r.site for r in build.results if r.site not in targets]
        if missing:
            raise SpecSitesError(Problem(BASE_CONFIG, 0, f"no destination for {missing[0]}; add it under the specsites plugin's destinations, or pass --dest {missing[0]}=REMOTE"))
        built = [r.site for r in build.results]
        prepared = prepare_all(built, targets, folders, out, source, Path(scratch), int(os.environ["SOURCE_DATE_EPOCH"]))
        pages = {r.site: page_files(r.published) for r in build.results}
        for site in prepared:
            site.pages = {posixpath.join(site.folder, f) for f in pages[site.site]}
        recorded = ""
        if not dry_run:
            push_all(prepared)
            if not not_recorded:
                recorded = record_published(root, {r.site: {u: set(i) for u, i in r.published.items()} for r in build.results}, source.describe())
    return PublishReport(build, check, prepared, recorded, not_recorded)


def why_not_recorded(configured: dict[str, RemoteBranch], targets: dict[str, RemoteBranch], staging: bool, record: bool) -> str:
    """"" when this publish is a release whose URLs published-urls.yml must keep: every
    site goes to the destination the base mkdocs.yml configures for production (or
    --record says so); else why nothing will be recorded. A rehearsal recorded would
    make the check demand URLs that never went live."""
    if staging:
        return "a staging copy is not what readers were given"
    if record:
        return ""
    elsewhere = sorted(site for site, destination in targets.items() if configured.get(site) != destination)
    if not elsewhere:
        return ""
    return f"{elsewhere[0]} went to {targets[elsewhere[0]]}, not its production destination in {BASE_CONFIG}; if this was the release, publish again with --record"


def page_files(published: dict[str, list[str]]) -> set[str]:
    """The files of a site's pages, from the URLs the build published (`/a`, `/a/`, `/`);
    the other HTML files are redirect pages for old URL forms."""
    return {url.strip("/") + "/index.html" if url.endswith("/") and url != "/" else "index.html" if url == "/" else url.lstrip("/") + ".html" for url in published}


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
    write_file(root, path, dump_inventory(after))
    try:
        git("rev-parse", "--is-inside-work-tree", cwd=root)
    except GitError:
        return ""
    git("add", "--", INVENTORY, cwd=root)
    # The publisher's own identity: the record is their change to review, not the tool's.
    git("commit", "--quiet", "--no-verify", "-m", f"Record what the publish of {source} put live", "--", INVENTORY, cwd=root)
    return git("rev-parse", "--short", "HEAD", cwd=root)


def refuse_without_identity(root: Path) -> None:
    """A release is recorded in a commit under the publisher's git identity: without
    one, say so before anything is built or pushed."""
    try:
        git("rev-parse", "--is-inside-work-tree", cwd=root)
    except GitError:
        return  # outside git the record is written, not committed
    try:
        git("var", "GIT_COMMITTER_IDENT", cwd=root)
        git("var", "GIT_AUTHOR_IDENT", cwd=root)
    except GitError:
        raise PublishRefused(Problem("", 0, "git has no user.name and user.email to record what went live under; set them (git config user.name ..., git config user.email ...) and publish again"))


def read_destinations(repo: Repository, overrides: list[str]) -> dict[str, RemoteBranch]:
    """Every site's checked destination (mkdocs.yml, then --dest); all problems at once."""
    return destinations(repo.config.destinations, repo.names, overrides, Path.cwd())


def site_folders(targets: dict[str, RemoteBranch], urls: dict[str, str]) -> dict[str, str]:
    """Where each site lies in its branch: the root, or, when sites share a destination,
    its own folder, which its URL must end with (a staging copy: --staging-base)."""
    shared: dict[RemoteBranch, list[str]] = {}
    for site, destination in targets.items():
        shared.setdefault(destination, []).append(site)
    folders: dict[str, str] = {}
    problems = []
    for destination, sites in shared.items():
        outside = [site for site in sites if not urls.get(site, "").rstrip("/").endswith("/" + site)]
        if len(sites) > 1 and outside:
            problems.append(Problem("--dest", 0, f"{', '.join(sites)} all publish to {destination}, so each goes under its folder, but {outside[0]} is served at {urls.get(outside[0])}; publish a staging copy with --staging-base URL, or give each site its own destination"))
        for site in sites:
            folders[site] = site if len(sites) > 1 else ""
    if problems:
        raise SpecSitesError(problems)
    return folders


def refuse_unfit_source(source: Source, allow_dirty: bool) -> None:
    """Only committed sources are published, so every publish names what it is."""
    if allow_dirty:
        return
    if not source.commit:
        raise PublishRefused(Problem("", 0, "the sources are not a git repository, so the publish could name no source commit; publish from a clone, or pass --allow-dirty"))
    if source.changed:
        shown = ", ".join(source.changed[:3]) + (f" and {len(source.changed) - 3} more" if len(source.changed) > 3 else "")
        raise PublishRefused(Problem("", 0, f"the work tree has uncommitted changes ({shown}); commit or stash them, or pass --allow-dirty to publish them anyway"))


def publish_message(sites: list[str], source: Source) -> str:
    """The commit message: what was published from what; its trailer is read by --status."""
    subject = f"Publish {', '.join(sites)} from {source.describe()}"
    return f"{subject}\n\n{SOURCE_TRAILER}: {source.commit or 'none'}{' (with uncommitted changes)' if source.changed else ''}\n"


def prepare_all(built: list[str], targets: dict[str, RemoteBranch], folders: dict[str, str], out: Path, source: Source, scratch: Path, epoch: int) -> list[SitePublish]:
    """One commit per destination (several sites when they share it), none pushed."""
    groups: dict[RemoteBranch, list[str]] = {}
    for site in built:
        groups.setdefault(targets[site], []).append(site)
    prepared: list[SitePublish] = []
    for number, (destination, sites) in enumerate(groups.items()):
        git_dir = scratch / f"destination-{number}.git"
        prepared += _prepare(sites, destination, folders, out, publish_message(sites, source), git_dir, epoch)
    return prepared


def _prepare(sites: list[str], destination: RemoteBranch, folders: dict[str, str], out: Path, message: str, git_dir: Path, epoch: int) -> list[SitePublish]:
    """A commit of the sites' output on top of the destination branch, in a scratch repository."""
    results = [SitePublish(site, destination, folders.get(site, "")) for site in sites]
    git("init", "--quiet", "--bare", str(git_dir))
    parent = fetch_branch(destination, git_dir)
    tree = _write_tree(sites, folders, out, git_dir)
    for result in results:
        result.parent, result.git_dir = parent, git_dir
    if parent and git("rev-parse", f"{parent}^{{tree}}", git_dir=git_dir) == tree:
        return results
    date = f"{epoch} +0000"  # the source's time, not the clock's: the dry run names the same commit
    dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    parent_args = ["-p", parent] if parent else []
    commit = git("commit-tree", tree, *parent_args, "-m", message.rstrip("\n"), git_dir=git_dir, env={**IDENTITY, **dates})
    changes = _changes(git_dir, parent, tree)
    for index, result in enumerate(results):
        result.commit = commit
        result.changes = _of_folder(changes, result.folder, first=index == 0)
    return results


def fetch_branch(destination: RemoteBranch, git_dir: Path) -> str:
    """The destination branch's tip fetched into git_dir, or "" when it does not exist yet."""
    try:
        git("fetch", "--quiet", "--depth=1", "--end-of-options", destination.remote, f"+refs/heads/{destination.branch}:refs/remotes/dest", git_dir=git_dir)
    except GitError as e:
        if "couldn't find remote ref" in str(e):  # a branch not yet published
            return ""
        raise
    return git("rev-parse", "--verify", "--end-of-options", "refs/remotes/dest", git_dir=git_dir)


def _write_tree(sites: list[str], folders: dict[str, str], out: Path, git_dir: Path) -> str:
    """The tree of one site's output, or of several under their folders with a root
    .nojekyll (GitHub Pages reads it there only)."""
    index = {"GIT_INDEX_FILE": str(git_dir / "publish-index")}
    raise_if_any(not_regular_files(out, sites))
    if len(sites) == 1 and not folders.get(sites[0]):
        git("add", "--all", "--force", ".", git_dir=git_dir, work_tree=out / sites[0], env=index, cwd=out / sites[0])
    else:
        write_file(out, out / ".nojekyll", "")
        git("add", "--all", "--force", "--", ".nojekyll", *sites, git_dir=git_dir, work_tree=out, env=index, cwd=out)
    tree = git("write-tree", git_dir=git_dir, env=index)
    # What git recorded, judged again: a link or a submodule never reaches a site.
    for entry in git("ls-tree", "-r", "--full-tree", tree, git_dir=git_dir).splitlines():
        mode, _, rest = entry.partition(" ")
        if mode not in ("100644", "100755"):
            raise SpecSitesError(Problem(rest.partition("\t")[2], 0, f"the output holds a {'symlink' if mode == '120000' else 'non-file entry'}; publish commits regular files only, rebuild from sources without links out"))
    return tree


def not_regular_files(out: Path, sites: list[str]) -> list[Problem]:
    """A problem for every entry of the sites' output that is not a regular file or
    folder (a link MkDocs or a plugin copied, a FIFO): publish commits files only."""
    problems = []
    for site in sites:
        for folder, dirnames, filenames in os.walk(out / site):
            for name in [*dirnames, *filenames]:
                path = Path(folder) / name
                mode = os.lstat(path).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    kind = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
                    problems.append(Problem(path.relative_to(out).as_posix(), 0, f"in the built output is {kind}; publish commits regular files only, never a link: remove the link from the sources"))
    return sorted(problems)


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


def _of_folder(changes: dict[str, list[str]], folder: str, first: bool) -> dict[str, list[str]]:
    """The changes under a site's folder (all of them for a site at the root); files
    outside every folder (the root .nojekyll) count for the first site."""
    if not folder:
        return changes
    prefix = folder + "/"
    return {kind: [p for p in paths if p.startswith(prefix) or (first and "/" not in p)] for kind, paths in changes.items()}


def push_all(prepared: list[SitePublish]) -> None:
    """Push each destination's commit; on a failure say what was and was not published."""
    commits: dict[str, list[SitePublish]] = {}
    for site in prepared:
        if site.commit:
            commits.setdefault(site.commit, []).append(site)
    for commit, sites in commits.items():
        destination = sites[0].destination
        try:
            git("push", "--quiet", *no_hooks(destination.remote), "--end-of-options", destination.remote, f"{commit}:refs/heads/{destination.branch}", git_dir=sites[0].git_dir)
        except GitError as e:
            raise PushFailed(push_failure_lines(prepared, sites, str(e)))
        for site in sites:
            site.pushed = True


# A repository on this machine is pushed to by a `git receive-pack` that git starts
# here, which would run that repository's hooks (and its core.alternateRefsCommand)
# with the publisher's environment and token. Config given with -c wins over the
# repository's own, so none of it runs.
_RECEIVE_PACK_WITHOUT_HOOKS = "git -c core.hooksPath=/dev/null -c core.alternateRefsCommand=true -c receive.autogc=false receive-pack"


def no_hooks(remote: str) -> list[str]:
    """The push options that keep a local destination's hooks from running."""
    return [f"--receive-pack={_RECEIVE_PACK_WITHOUT_HOOKS}"] if local_path(remote) is not None else []


def push_failure_lines(prepared: list[SitePublish], failed: list[SitePublish], reason: str) -> list[str]:
    names = ", ".join(s.site for s in failed)
    done = [f"{s.site} ({s.commit[:12]} to {s.destination})" for s in prepared if s.pushed]
    same = [s.site for s in prepared if not s.commit]
    left = [s.site for s in prepared if s.commit and not s.pushed]
    lines = [f"publishing {names} to {failed[0].destination} failed: {reason}"]
    lines.append(f"published: {', '.join(done) if done else 'nothing'}")
    if same:
        lines.append(f"already up to date: {', '.join(same)}")
    lines.append(f"not published: {', '.join(left)}; see {command('publish')} --status, fix the cause, then run {command('publish')} again")
    return lines


@dataclass
class SiteStatus:
    site: str
    destination: RemoteBranch
    published: str = ""  # the source commit the branch was published from ("" never published)
    behind: int | None = None  # commits of the current source since then (None: not its ancestor)
    problem: str = ""  # why the branch could not be read


def publish_status(*, root: Path, dest_overrides: list[str] = ()) -> tuple[Source, list[SiteStatus]]:
    """Per site, the source commit its destination branch was published from, against
    the current one: what a maintainer needs after a publish failed halfway."""
    repo = load_repository(root)
    targets = read_destinations(repo, list(dest_overrides))
    source = read_source(root)
    statuses = []
    with tempfile.TemporaryDirectory(prefix="specsites-status-") as scratch:
        read: dict[RemoteBranch, tuple[str, str]] = {}
        for site in repo.names:
            if site not in targets:
                statuses.append(SiteStatus(site, RemoteBranch("-"), problem=f"no destination; add it under destinations in {BASE_CONFIG}"))
                continue
            destination = targets[site]
            if destination not in read:
                read[destination] = _published_from(destination, Path(scratch) / f"status-{len(read)}.git")
            published, problem = read[destination]
            status = SiteStatus(site, destination, published, problem=problem)
            if published and source.commit:
                status.behind = _commits_since(root, published)
            statuses.append(status)
    return source, statuses


def _published_from(destination: RemoteBranch, git_dir: Path) -> tuple[str, str]:
    """(source commit, "") from the branch tip's trailer; ("", "") never published;
    ("", problem) when it cannot be read."""
    git("init", "--quiet", "--bare", str(git_dir))
    try:
        tip = fetch_branch(destination, git_dir)
    except GitError as e:
        return "", str(e)
    if not tip:
        return "", ""
    message = git("log", "-1", "--format=%B", tip, git_dir=git_dir)
    match = re.search(rf"^{SOURCE_TRAILER}: ([0-9a-f]{{40}}|none)", message, re.MULTILINE)
    if match is None:  # published before the trailer existed: the subject names a short hash
        match = re.match(r"Publish .* from ([0-9a-f]{7,40})\b", message)
    if match is None:
        return "", f"its last commit ({tip[:12]}) was not made by specsites publish"
    return match.group(1), ""


def _commits_since(root: Path, published: str) -> int | None:
    """Commits since published that change what is built: the record of what went live
    (published-urls.yml, committed by the publish itself) does not count."""
    try:
        git("merge-base", "--is-ancestor", published, "HEAD", cwd=root)  # fails when it is not
        return int(git("rev-list", "--count", f"{published}..HEAD", "--", ".", f":(exclude){INVENTORY}", cwd=root))
    except (GitError, ValueError):
        return None  # not in this clone's history, or not an ancestor

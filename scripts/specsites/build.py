"""`specsites build`: every site, each in its own process, swapped in all at once.

Gathers first and writes last: each site builds into a fresh folder beside the
output; only when every site built does that folder replace the output, under a
lock so two builds at once cannot mix their sites. A failed build leaves the
previous output as it was.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from specsites.build_messages import explain
from specsites.errors import BuildFailed, Problem, SpecSitesError, raise_if_any
from specsites import parallel_pages
from specsites.forked import map_forked
from specsites.inventory import load_inventory, unrecorded
from specsites.output_stamp import STAMP, source_digests, write_stamp
from specsites.redirect_plan import Plan, load_plan
from specsites.site_checks import LinkRef, PageFacts, check_links, check_published_ids
from specsites.sites import BASE_URLS_ENV, Repository, Site, all_specs, base_urls, load_repository, site_pages, spec_versions


@dataclass
class SiteResult:
    site: str
    seconds: float
    stats: dict[str, int] = field(default_factory=dict)
    published: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, PageFacts] = field(default_factory=dict)
    links: list[LinkRef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crashed: str = ""  # a traceback: a bug, not bad input
    page_state: dict[str, dict] = field(default_factory=dict)  # docs path -> title and meta, for dirty rebuilds


@dataclass
class BuildReport:
    out: Path
    results: list[SiteResult]
    seconds: float
    notes: list[Problem] = field(default_factory=list)  # chains flattened in redirects.yml
    unrecorded: dict[str, tuple[int, int]] = field(default_factory=dict)  # site -> new URLs, new ids


DIRTY_NOTICE = "A 'dirty' build is being performed"


def template_cache():
    """Compiled theme templates, kept between builds (Jinja's own per-user cache folder,
    checked against each template's source). Compiling Material's templates is a
    quarter of a small site's build (../shared/BASELINES.md)."""
    from jinja2 import FileSystemBytecodeCache

    return FileSystemBytecodeCache()


def build_one_site(config_file: str, site_dir: str, *, plan: Plan | None = None, dirty: bool = False, bytecode_cache=None, defer_site_checks: bool = False, page_state: dict[str, dict] | None = None, page_workers: int = 1) -> SiteResult:
    """One strict MkDocs build, its warnings collected as errors. Call it in a worker process:
    MkDocs keeps global state and is not thread-safe.

    dirty (the preview's fast path): re-render only the pages whose sources changed,
    into the existing site_dir. bytecode_cache: a jinja2 BytecodeCache kept across
    builds, so the theme's templates are compiled once per process.
    defer_site_checks: leave the links to our sites and the published ids to the
    caller, which checks them against every site's pages (see site_checks).
    page_state: each page's title and metadata from the last full build
    (SiteResult.page_state), which a dirty build cannot know for the pages it does not
    read, though the navigation of the pages it renders shows them.
    page_workers: processes rendering the pages of a full build (parallel_pages).
    """
    import traceback

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    site = Path(config_file).parent.name
    collected: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not record.getMessage().startswith(DIRTY_NOTICE):
                collected.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    start = time.perf_counter()
    result = SiteResult(site, 0.0)
    plugin = None
    try:
        # MkDocs warns on every dirty build, which strict mode would count as a failure;
        # warnings are collected as errors here anyway.
        config = load_config(config_file, site_dir=site_dir, strict=not dirty)
        plugin = config.plugins["specsites"]
        plugin.preplanned, plugin.dirty, plugin.bytecode_cache = plan, dirty, bytecode_cache
        plugin.defer_site_checks = defer_site_checks
        plugin.page_state = dict(page_state or {})
        if page_workers > 1 and not dirty:
            parallel_pages.build(config, workers=page_workers)
        else:
            build(config, dirty=dirty)
        result.stats, result.published, result.page_state = plugin.stats, plugin.published, plugin.page_state
    except (Abort, ConfigurationError, PluginError) as e:
        result.errors = collected or [str(e)]
        if isinstance(e, (ConfigurationError, PluginError)) and str(e) not in result.errors:
            result.errors.append(str(e))
    except Exception:
        result.crashed = traceback.format_exc()
        result.errors = collected
    else:
        result.errors = collected if dirty else []
    finally:
        logger.removeHandler(handler)
        if plugin is not None:  # also of a failed build: the caller checks links with them
            result.facts, result.links = plugin.facts, plugin.links
    result.seconds = time.perf_counter() - start
    return result


@contextlib.contextmanager
def _build_lock(repo: Repository, out: Path):
    """Serialises builds of one repository, and builds into one output, so two at once
    never mix sites or lose an inventory update.

    Locks the folders themselves (in a fixed order), so a failed build leaves no lock file.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for folder in sorted({repo.root, out.parent.resolve()}):
            fd = os.open(folder, os.O_RDONLY)
            stack.callback(os.close, fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield


OUTPUT_MARK = STAMP  # in an output folder: specsites made it and may replace it


def _check_output(repo: Repository, out: Path) -> None:
    """Refuse an output folder whose replacement would delete sources or someone's files."""
    if out == repo.root or repo.root.is_relative_to(out) or any(out.is_relative_to(p) for p in _sources(repo)):
        raise SpecSitesError(Problem("--out", 0, f"{out} holds or is inside the sources; choose a folder of its own, like site/"))
    if out.is_dir() and any(out.iterdir()) and not (out / OUTPUT_MARK).exists():
        raise SpecSitesError(Problem("--out", 0, f"{out} is not empty and was not made by specsites build; choose an empty or new folder"))


def _sources(repo: Repository) -> list[Path]:
    return [repo.shared_docs, *(site.folder for site in repo.sites), repo.root / ".git", repo.root / "scripts"]


def _swap_in(new: Path, out: Path, only: list[str] | None) -> None:
    """Put the new output in place: the whole folder, or only the sites built."""
    old = _new_folder(out.parent, f".{out.name}.old-")
    try:
        if not only:
            if out.exists():
                os.rename(out, old / "site")
            os.rename(new, out)
            return
        out.mkdir(exist_ok=True)
        (out / OUTPUT_MARK).touch()
        for site in only:
            if (out / site).exists():
                os.rename(out / site, old / site)
            os.rename(new / site, out / site)
    finally:
        shutil.rmtree(old)


def build_sites(*, root: Path, out: Path | None = None, only: list[str] | None = None, base_url_pairs: list[str] = ()) -> BuildReport:
    """Build every site (or those named) into out/<site>/; raise BuildFailed on any failure.

    Never writes published-urls.yml (publishing records what went live); reports
    how much of what the sites publish it does not hold yet.
    """
    start = time.perf_counter()
    repo = load_repository(root)
    sites = select_sites(repo, only)
    override = " ".join(base_url_pairs)
    urls = base_urls(repo, override)  # report a bad --base-url before building anything
    plan = load_plan(repo)  # once for every site, and its problems said once
    inventory = load_inventory(repo)
    specs = all_specs(repo)  # every spec's metadata problems said once, before building
    raise_if_any(spec_versions(repo, specs)[1])  # and every bad version tag
    digests = source_digests(repo)
    out = (out or repo.root / "site").resolve()
    _check_output(repo, out)
    import mkdocs.commands.build  # noqa: F401  (imported once, before forking the workers)

    with _build_lock(repo, out):
        staging = _new_folder(out.parent, f".{out.name}.new-")
        (staging / OUTPUT_MARK).touch()
        try:
            results = _run_builds(sites, staging, override, plan)
            _raise_if_failed(results, repo, _site_problems(repo, results, plan, inventory))
            _swap_in(staging, out, [s.name for s in sites] if only else None)
            write_stamp(out, digests, urls, {r.site: r.facts for r in results})
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    published = {r.site: {u: set(i) for u, i in r.published.items()} for r in results}
    return BuildReport(out, results, time.perf_counter() - start, plan.notes, unrecorded(inventory, published))


def _new_folder(parent: Path, prefix: str) -> Path:
    """A fresh folder readable as the umask allows, like any other: a web server's
    workers (nginx runs them as nobody) must read the output, and mkdtemp makes 0700."""
    folder = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    return folder


def _site_problems(repo: Repository, results: list[SiteResult], plan: Plan, inventory) -> list[Problem]:
    """Links into our sites and the published ids, judged with every site's pages known."""
    facts = {r.site: r.facts for r in results}
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    production = {s.name: s.production_url for s in repo.sites}
    problems = check_links([link for r in results for link in r.links], facts, pages, plan, production)
    for result in results:
        problems += check_published_ids(result.site, inventory, facts, pages, plan)
    return problems


def select_sites(repo: Repository, only: list[str] | None) -> list[Site]:
    """The sites named (each once, in the order given), or every site."""
    if not only:
        return list(repo.sites)
    only = list(dict.fromkeys(only))
    unknown = [name for name in only if name not in repo.names]
    if unknown:
        raise SpecSitesError(Problem("--site", 0, f"unknown site {unknown[0]!r}; use one of: {', '.join(repo.names)}"))
    return [repo.site(name) for name in only]


def _run_builds(sites: list[Site], staging: Path, override: str, plan: Plan) -> list[SiteResult]:
    previous = os.environ.get(BASE_URLS_ENV)
    os.environ[BASE_URLS_ENV] = override  # read by each site's plugin in the workers
    try:
        cache = template_cache()
        # The cores the sites leave over render each site's pages in parallel.
        pages = max(1, (os.cpu_count() or 1) // len(sites))
        return map_forked(lambda s: build_one_site(str(s.config_file), str(staging / s.name), plan=plan, bytecode_cache=cache, defer_site_checks=True, page_workers=pages), sites)
    finally:
        if previous is None:
            os.environ.pop(BASE_URLS_ENV, None)
        else:
            os.environ[BASE_URLS_ENV] = previous


def error_lines(result: SiteResult, repo: Repository) -> list[str]:
    """One line per problem of a failed site build."""
    lines = []
    site = repo.site(result.site)
    for error in result.errors:
        for line in error.splitlines():
            # Problems of the shared input files name the file, not the site; the
            # plugin's own are already `file:line: ...`.
            lines.append(line if line.startswith(("redirects.yml:", "published-urls.yml:")) or _ALREADY_PLACED.match(line) else explain(line, repo, site))
    if result.crashed:
        lines.append(f"{result.site}: internal error: {result.crashed.strip().splitlines()[-1]} (run with --debug for the traceback)")
    return lines


_ALREADY_PLACED = re.compile(r"[^\s:]+\.(?:md|yml):\d+: ")


def _raise_if_failed(results: list[SiteResult], repo: Repository, more: list[Problem]) -> None:
    lines: list[str] = []
    for result in results:
        lines.extend(line for line in error_lines(result, repo) if line not in lines)  # shared files' problems once
    lines.extend(line for line in map(str, sorted(set(more))) if line not in lines)
    if lines:
        raise BuildFailed([Problem("", 0, line) for line in lines], [r.crashed for r in results if r.crashed])

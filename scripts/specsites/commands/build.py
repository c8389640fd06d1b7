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
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from specsites.errors import BuildFailed, Problem, SpecSitesError, raise_if_any, unknown_site
from specsites.engines import parallel_pages
from specsites.engines.page_reuse import forget_records, load_reuse, site_keys, write_records
from specsites.machinery.forked import map_forked
from specsites.sources.inventory import load_inventory, unrecorded
from specsites.machinery.output_files import reuse_leftovers, take_reused
from specsites.checks.output_stamp import STAMP, forget_redirect_folders, previous_outputs, record_redirect_folders, source_digests, write_stamp
from specsites.redirects.folders import RedirectFiles, Reuse
from specsites.engines.mkdocs_plugin import BuildOptions
from specsites.redirects.plan import Plan, load_plan
from specsites.checks.site_checks import LinkRef, PageFacts, check_links, check_published_ids
from specsites.sources.sites import Repository, Site, all_specs, base_urls, load_repository, site_pages, spec_versions


@dataclass
class SiteResult:
    site: str
    seconds: float
    stats: dict[str, int] = field(default_factory=dict)
    published: dict[str, list[str]] = field(default_factory=dict)
    facts: dict[str, PageFacts] = field(default_factory=dict)
    links: list[LinkRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # why it failed, each with its file and line
    crashed: str = ""  # a traceback: a bug, not bad input
    page_state: dict[str, dict] = field(default_factory=dict)  # docs path -> title and meta, for dirty rebuilds
    redirect_files: RedirectFiles = field(default_factory=RedirectFiles)  # for the next build to reuse (redirect_folders.py)
    reuse: Reuse = field(default_factory=Reuse)  # what to take from the previous output
    page_record: dict = field(default_factory=dict)  # what the next build may take over (page_reuse.py)


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


def build_one_site(config_file: str, site_dir: str, options: BuildOptions | None = None, *, dirty: bool = False, page_workers: int = 1) -> SiteResult:
    """One strict MkDocs build, its warnings collected as problems. Call it in a worker
    process: MkDocs keeps global state and is not thread-safe.

    options: what the caller read and planned for every site, handed to the plugin
    (plugin.BuildOptions). dirty (the preview's fast path): re-render only the pages
    whose sources changed, into the existing site_dir, as `mkdocs build --dirty`.
    page_workers: processes rendering the pages of a full build (parallel_pages).
    """
    import traceback

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from specsites.engines.mkdocs_plugin import PLUGIN_LOGGER

    site = Path(config_file).parent.name
    collected: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # The plugin keeps its own problems as values (plugin.warnings, .errors).
            if record.name != PLUGIN_LOGGER and not record.getMessage().startswith(DIRTY_NOTICE):
                collected.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    start = time.perf_counter()
    result = SiteResult(site, 0.0)
    plugin = None
    try:
        # MkDocs warns on every dirty build, which strict mode would count as a failure;
        # warnings are collected as problems here anyway.
        config = load_config(config_file, site_dir=site_dir, strict=not dirty)
        plugin = config.plugins["specsites"]
        plugin.configure(options or BuildOptions())
        config.plugins.on_startup(command="build", dirty=dirty)  # as MkDocs' command line does
        try:
            if (page_workers > 1 or plugin.options.page_reuse is not None) and not dirty:
                parallel_pages.build(config, workers=page_workers)
            else:
                build(config, dirty=dirty)
        finally:
            config.plugins.on_shutdown()
        result.stats, result.published, result.page_state = plugin.stats, plugin.published, plugin.page_state
        result.redirect_files, result.reuse = plugin.redirect_files, plugin.reuse
        if (page_reuse := plugin.options.page_reuse) is not None:
            result.page_record = page_reuse.as_json()
            result.stats.update(reused_markdown=page_reuse.reused_markdown, reused_pages=page_reuse.reused_pages)
        if dirty:  # not strict: the warnings did not stop it
            result.problems = _problems(site, plugin, collected)
    except (Abort, ConfigurationError, PluginError) as e:
        result.problems = _problems(site, plugin, collected)
        if not result.problems or isinstance(e, ConfigurationError):
            result.problems += [Problem(site, 0, line) for line in str(e).splitlines()]
    except Exception:
        result.crashed = traceback.format_exc()
        result.problems = _problems(site, plugin, collected)
    finally:
        logger.removeHandler(handler)
        if plugin is not None:  # also of a failed build: the caller checks links with them
            result.facts, result.links = plugin.facts, plugin.links
    result.seconds = time.perf_counter() - start
    return result


def build_one_site_zensical(config_file: str, site_dir: str, options: BuildOptions) -> SiteResult:
    """One site through Zensical (engines/zensical.py): prepared, rendered, finished.
    Call it in a worker process, like build_one_site."""
    import traceback

    from specsites.engines import zensical
    from specsites.stages.site_context import open_site, plan_site

    site = Path(config_file).parent.name
    start = time.perf_counter()
    result = SiteResult(site, 0.0)
    try:
        assert options.repo is not None
        context = plan_site(open_site(options.repo, config_file, options.base_urls, options.specs), options.plan, options.inventory)
        done, result.stats, result.redirect_files, result.reuse = zensical.build_site(context, Path(site_dir), options.previous)
        result.facts, result.links, result.published, result.problems = done.facts, done.links, done.published, done.problems
    except SpecSitesError as e:
        result.problems = list(e.problems)
    except Exception:
        result.crashed = traceback.format_exc()
    result.seconds = time.perf_counter() - start
    return result


def _problems(site: str, plugin, collected: list[str]) -> list[Problem]:
    """A site build's problems: the plugin's, as it found them, and MkDocs' messages
    rewritten as `file:line` (build_messages), each once, in the order they came."""
    from specsites.engines.build_messages import explain, message_lines

    own = list(getattr(plugin, "errors", [])) + list(getattr(plugin, "warnings", []))
    said = {str(p) for p in own}
    repo = getattr(plugin, "repo", None)
    problems = list(own)
    for message in collected:
        for line in message_lines(message):
            if line in said:
                continue  # MkDocs logs the plugin's error again
            said.add(line)
            problems.append(explain(line, repo, repo.site(site)) if repo is not None and site in repo.names else Problem(site, 0, line))
    return list(dict.fromkeys(problems))


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


def build_sites(*, root: Path, out: Path | None = None, only: list[str] | None = None, base_url_pairs: list[str] = (),
                engine: str | None = None) -> BuildReport:
    """Build every site (or those named) into out/<site>/; raise BuildFailed on any failure.
    engine: what renders the pages (sources/config.ENGINES); None: the base mkdocs.yml's
    `engine:`, else MkDocs.

    Never writes published-urls.yml (publishing records what went live); reports
    how much of what the sites publish it does not hold yet.
    """
    start = time.perf_counter()
    repo = load_repository(root)
    sites = select_sites(repo, only)
    urls = base_urls(repo, list(base_url_pairs))  # report a bad --base-url before building anything
    plan = load_plan(repo)  # once for every site, and its problems said once
    inventory = load_inventory(repo)
    specs = all_specs(repo)  # every spec's metadata problems said once, before building
    raise_if_any(spec_versions(repo, specs)[1])  # and every bad version tag
    digests = source_digests(repo)
    out = (out or repo.root / "site").resolve()
    _check_output(repo, out)
    engine = engine or repo.config.engine
    if engine == "zensical":
        from specsites.engines.zensical import executable

        executable()  # missing: say so before building anything
    import mkdocs.commands.build  # noqa: F401  (imported once, before forking the workers)

    with _build_lock(repo, out):
        staging = _new_folder(out.parent, f".{out.name}.new-")
        (staging / OUTPUT_MARK).touch()
        try:
            options = BuildOptions(repo=repo, base_urls=urls, plan=plan, specs=specs, inventory=inventory, defer_site_checks=True, bytecode_cache=template_cache())
            previous = previous_outputs(out, [s.name for s in sites])
            reuse = page_reuse_from(out, repo, plan, urls, specs, sites, digests)
            pages = max(1, (os.cpu_count() or 1) // len(sites))  # the cores the sites leave over render pages
            if engine == "zensical":
                results = map_forked(lambda s: build_one_site_zensical(str(s.config_file), str(staging / s.name), replace(options, previous=previous[s.name])), sites)
            else:
                results = map_forked(lambda s: build_one_site(str(s.config_file), str(staging / s.name), replace(options, previous=previous[s.name], page_reuse=reuse[s.name]), page_workers=pages), sites)
            raise_if_failed(results, _site_problems(repo, results, plan, inventory))
            if only:  # no record may vouch for folders moved out below, should this stop halfway
                forget_redirect_folders(out, only)
            forget_records(out, [s.name for s in sites])  # nor for pages replaced below
            _take_reused(out, staging, results)
            _swap_in(staging, out, [s.name for s in sites] if only else None)
            for result in results:  # a whole build's staging folder is the output now
                for leftover in reuse_leftovers(out / result.site):
                    shutil.rmtree(leftover, ignore_errors=True)
            write_stamp(out, digests, urls, {r.site: r.facts for r in results})
            record_redirect_folders(out, {r.site: r.redirect_files for r in results})
            write_records(out, {r.site: r.page_record for r in results})
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    published = {r.site: {u: set(i) for u, i in r.published.items()} for r in results}
    return BuildReport(out, results, time.perf_counter() - start, plan.notes, unrecorded(inventory, published))


def page_reuse_from(out: Path, repo: Repository, plan: Plan, urls: dict[str, str], specs: list, sites, digests: dict[str, str] | None = None) -> dict:
    """What each site's build may take over from the output in `out` (nothing when it
    was built from other inputs): for a build, and for check --fix's build of facts."""
    keys = site_keys(repo, digests if digests is not None else source_digests(repo), urls, specs, plan)
    return {s.name: load_reuse(out, s.name, keys[s.name]) for s in sites}


def _take_reused(out: Path, staging: Path, results: list[SiteResult]) -> None:
    """Each site's reused redirect folders into the new output; all sites or none."""
    undo = []
    try:
        for result in results:
            undo.append(take_reused(out / result.site, staging / result.site, result.reuse))
    except SpecSitesError:
        for step in reversed(undo):  # the sites before the one that failed
            step()
        raise


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
        raise SpecSitesError(Problem("--site", 0, unknown_site(unknown[0], repo.names)))
    return [repo.site(name) for name in only]


def crash_problem(result: SiteResult) -> Problem:
    """A site build that crashed (a bug, not bad input), in one line."""
    return Problem(result.site, 0, f"internal error: {result.crashed.strip().splitlines()[-1]} (run with --debug for the traceback)")


def raise_if_failed(results: list[SiteResult], more: list[Problem] = ()) -> None:
    """BuildFailed with every site's problems (those of the shared files once), and
    the crashes' tracebacks, when any site failed."""
    problems = [p for r in results for p in r.problems] + list(more)
    problems += [crash_problem(r) for r in results if r.crashed]
    if problems:
        raise BuildFailed(list(dict.fromkeys(problems)), [r.crashed for r in results if r.crashed])

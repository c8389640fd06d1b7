"""`specsites check`: every URL and section id ever published still lands.

Plans what to follow (pure), follows it (through the built files with GitHub Pages'
rules, on forked processes, one per core, each taking a part of a site at a time;
or over HTTP), judging each URL as it lands, and
reports failures with the redirects.yml line that fixes them.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

from specsites.errors import Problem, SpecSitesError
from specsites.program import command
from specsites.machinery.forked import map_forked
from specsites.checks.follow import FetchFollower, Follower, Landing
from specsites.checks.http_fetch import HttpFetch
from specsites.checks.offsite import OffSite
from specsites.checks.static_follow import StaticFollower, unreadable_output
from specsites.checks.static_host import FolderFiles, IndexedFiles, Share, add_found, disk_agrees, form_files, list_share, listing_shares
from specsites.sources.inventory import Inventory, load_inventory
from specsites.checks.output_stamp import read_stamp, source_digests, stamped_facts, staleness
from specsites.redirects.plan import PlannedFiles, collector_paused, load_planned_files
from specsites.redirects.relocate import folder_entry, nearest_path, spec_moved_to, spec_of
from specsites.sources.git_renames import relocate_page
from specsites.checks.site_checks import SiteFacts, entry_fix, locate_section
from specsites.sources.sites import base_urls, load_repository, site_pages
from specsites.urls import old_url_forms, page_key, served_forms, url_file

MAX_HOPS = 3  # e.g. /x -> 301 /x/ -> redirect page -> new page
PART_URLS = 10_000  # a static check's worker takes up to this many of a site's URLs or redirects at a time


@dataclass(frozen=True)
class Failure:
    site: str
    url: str  # as published, with #id for an anchor
    problem: str
    fix: str = ""  # the redirects.yml entry to add, under `site:`


@dataclass
class SiteSummary:
    site: str
    urls: int = 0
    anchors: int = 0
    redirects: int = 0
    failures: int = 0
    only_with_script: int = 0  # ids that reach their section only with JavaScript (a meta refresh drops the #fragment)


@dataclass(frozen=True)
class Result:
    """Where one followed URL landed, for --json --all."""

    site: str
    start: str  # as published, with #id for an anchor; /file for a redirect page
    kind: str  # url | anchor | redirect
    lands: str  # site:/path#id, or the external URL
    redirects: int
    ok: bool
    lands_without_script: str = ""  # where a browser that runs no scripts lands


@dataclass
class CheckReport:
    sites: list[SiteSummary]
    failures: list[Failure] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_json(self, with_results: bool = False) -> dict:
        shape = {"ok": self.ok, "sites": [asdict(s) for s in self.sites], "failures": [asdict(f) for f in self.failures]}
        if with_results:
            shape["results"] = [asdict(r) for r in self.results]
        return shape


class _Job(NamedTuple):  # a tuple: the static check of a large site makes 500,000
    site: str
    url: str  # as published
    start: str  # absolute URL to follow
    anchor: str = ""
    kind: str = "url"  # url | anchor | redirect


def plan_check(inventory: Inventory, planned: PlannedFiles, base_urls: dict[str, str]) -> list[_Job]:
    """What to follow: each inventory URL in every form, each id, each redirect page."""
    jobs: list[_Job] = []
    for site in base_urls:
        jobs.extend(_url_jobs(site, base_urls[site], sorted(inventory.get(site, {}).items())))
        jobs.extend(_redirect_jobs(site, base_urls[site], planned.moved.get(site, [])))
    return jobs


def _url_jobs(site: str, base: str, urls: list[tuple[str, Iterable[str]]]) -> Iterator[_Job]:
    """Each URL in every form, then each of its ids."""
    base = base.rstrip("/")
    for url, ids in urls:
        for form in old_url_forms(url):
            yield _Job(site, url, base + form)
        yield from _anchor_jobs(site, base, url, ids)


def _anchor_jobs(site: str, base: str, url: str, ids: Iterable[str]) -> Iterator[_Job]:
    """Each of a URL's ids (base without its last slash)."""
    for anchor in sorted(ids) if ids else ():
        yield _Job(site, url, f"{base}{url}#{anchor}", anchor, "anchor")


def _redirect_jobs(site: str, base: str, redirects: Iterable[tuple[str, ...]]) -> Iterator[_Job]:
    """Each redirect page of each moved page (given as the files of each)."""
    base = base.rstrip("/")
    for files in redirects:
        for file in files:
            yield _Job(site, "/" + file, f"{base}/{file}", kind="redirect")


def run_check(jobs: list[_Job], follower: Follower, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts] | None, workers: int = 1, with_results: bool = False,
              offsite: OffSite | None = None) -> CheckReport:
    """Follows every job as a browser running scripts does (follower) and as one that
    does not (its without_script()), and judges the two landings."""
    plain = follower.without_script()

    def both(job: _Job) -> tuple[Landing, Landing]:
        return follower.follow(job.start), plain.follow(job.start)

    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            landings = list(pool.map(both, jobs))
    else:
        landings = [both(job) for job in jobs]
    tally = _Tally(base_urls, pages, facts, with_results, offsite)
    for job, (landing, plain_landing) in zip(jobs, landings):
        tally.add(job, landing, plain_landing)
    summaries = {site: SiteSummary(site) for site in base_urls}
    for site, _url in {(job.site, job.url) for job in jobs if job.kind == "url"}:
        summaries[site].urls += 1
    for site, (anchors, redirects, only_with_script) in tally.counts.items():
        summaries[site].anchors, summaries[site].redirects, summaries[site].only_with_script = anchors, redirects, only_with_script
    failures = _one_per_url(tally.failures)
    for failure in failures:
        summaries[failure.site].failures += 1
    return CheckReport(list(summaries.values()), failures, tally.results)


class _Tally:
    """Judges each job as it is followed, keeping only failures and counts (and a
    Result per job when asked): not the landings of half a million URLs."""

    def __init__(self, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts] | None, with_results: bool, offsite: OffSite | None = None) -> None:
        self.base_urls, self.pages, self.facts, self.with_results = base_urls, pages, facts, with_results
        self.offsite = offsite
        self.counts: dict[str, list[int]] = {}  # site -> [anchors, redirects, ids reaching their section only with JavaScript]
        self.failures: list[tuple[str, str, Failure]] = []  # (job.url, kind, failure), in job order
        self.results: list[Result] = []
        self.failed_starts: list[str] = []  # of "url" jobs
        self._failed_urls: set[tuple[str, str]] = set()

    def add(self, job: _Job, landing: Landing, plain: Landing) -> None:
        """Judges a job by where it lands with scripts run (landing) and without (plain)."""
        counts = self.counts.get(job.site) or self.counts.setdefault(job.site, [0, 0, 0])
        counts[0] += job.kind == "anchor"
        counts[1] += job.kind == "redirect"
        if job.kind == "url" and (landing.error or plain.error):
            self.failed_starts.append(job.start)
        if job.kind == "anchor" and not landing.error and not plain.error and _reaches_section(landing) and not _reaches_section(plain):
            counts[2] += 1  # the section is reached only with JavaScript: a known limit, not a failure
        # Only a URL's first failing form is reported: the rest need not be judged.
        if (job.site, job.url) in self._failed_urls and not self.with_results:
            return
        failure = _judge(job, landing, plain, self.base_urls, self.pages, self.facts, self.offsite)
        if self.with_results:
            start = job.start[len(self.base_urls[job.site].rstrip("/")):]
            self.results.append(Result(job.site, start, job.kind, _short(landing.url, self.base_urls), landing.redirects, failure is None, _short(plain.url, self.base_urls)))
        if failure is None or (job.site, job.url) in self._failed_urls:
            return
        if job.kind == "url":
            self._failed_urls.add((job.site, job.url))
        self.failures.append((job.url, job.kind, failure))


def _one_per_url(failures: Iterable[tuple[str, str, Failure]]) -> list[Failure]:
    """The failures in job order, less those of a URL that already failed in one of
    its forms: one line per URL, not one per form."""
    failed: set[tuple[str, str]] = set()
    kept = []
    for url, kind, failure in failures:
        if (failure.site, url) in failed:
            continue
        if kind == "url":
            failed.add((failure.site, url))
        kept.append(failure)
    return kept


def _judge(job: _Job, landing: Landing, plain: Landing, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts] | None, offsite: OffSite | None = None) -> Failure | None:
    """A job's failure, judged with scripts run (a reader's browser) and then without
    (a crawler, a reader without JavaScript); None if it lands both ways. Without
    scripts, an id need only land on a page: a meta refresh cannot carry a #fragment."""
    failure = _judge_walk(job, landing, base_urls, pages, facts, offsite)
    plain_failure = _judge_walk(job, plain, base_urls, pages, facts, offsite, ids=False)
    if failure is not None:
        if plain_failure is None and landing.error:
            return Failure(failure.site, failure.url, f"{failure.problem}; without JavaScript it lands on {_short(plain.url, base_urls)}", failure.fix)
        return failure
    where = _short(landing.url, base_urls)
    if plain_failure is not None:
        return Failure(plain_failure.site, plain_failure.url, f"without JavaScript: {plain_failure.problem}; with JavaScript it lands on {where}", plain_failure.fix)
    if job.kind != "anchor" and plain.url.partition("#")[0] != landing.url.partition("#")[0]:
        return Failure(job.site, job.url, f"lands on {where} with JavaScript but on {_short(plain.url, base_urls)} without")
    return None


def _judge_walk(job: _Job, landing: Landing, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts] | None, offsite: OffSite | None, ids: bool = True) -> Failure | None:
    """The failure of one walk: an error, a landing outside our sites that redirects.yml
    does not name, or (with ids) a page without the id asked for."""
    shown = job.url + (f"#{job.anchor}" if job.anchor else "")
    if landing.error:
        hops = " -> ".join(_short(u, base_urls) for u, _ in landing.hops)
        fix = _suggest(job, pages) if landing.error.startswith("status 404") else ""
        return Failure(job.site, shown, f"{landing.error} ({hops})", fix)
    if landing.external and offsite is not None and (why := offsite.problem(landing.url, base_urls[job.site])):
        hops = " -> ".join(_short(u, base_urls) for u, _ in landing.hops)
        return Failure(job.site, shown, f"{why} ({hops})")
    if not ids:
        return None
    if job.kind != "anchor" or _lands_on_id(landing):
        return None
    fragment = landing.url.partition("#")[2]
    page = _short(landing.url.partition("#")[0], base_urls)
    problem = f"lands on {page}, which has no id {fragment!r}"
    if facts is not None and _built_page_has(landing.url.partition("#")[0], fragment, base_urls, pages, facts):
        return Failure(job.site, shown, f"{problem}; the sources have it, so this output is not what they build: publish them again")
    if facts is None:
        return Failure(job.site, shown, f"{problem}; run {command('build')} and check again to learn where that section stands now")
    found, frozen = _find_landed_section(job, landing.url, base_urls, pages, facts)
    if not found:
        return Failure(job.site, shown, f"{problem}, and no heading on any site has that id or its text; restore {{#{job.anchor}}} on the heading that replaced it, or add a redirect from {shown} to the section that did")
    if frozen:
        problem += f", and the living text no longer has that section: only the frozen version {found.partition('#')[0]} keeps its words"
    return Failure(job.site, shown, problem, f"{shown}: {found}")


def _lands_on_id(landing: Landing) -> bool:
    """Whether a landing (with no error) is on a page with the id it asks for, if any;
    outside our sites, ids are not checked."""
    fragment = landing.url.partition("#")[2]
    return landing.external or not fragment or fragment in landing.ids


def _reaches_section(landing: Landing) -> bool:
    """Whether a landing is on a section (its #fragment an id of the page), or outside
    our sites: not so where a meta refresh dropped the #fragment on the way."""
    fragment = landing.url.partition("#")[2]
    return landing.external or bool(fragment) and fragment in landing.ids


def _built_page_has(landed: str, anchor: str, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts]) -> bool:
    """Whether a build of the sources gives the landed page that id."""
    site, _, path = _short(landed, base_urls).partition(":")
    url = pages.get(site, {}).get(page_key(path))
    page = facts.get(site, {}).get(url) if url is not None else None
    return page is not None and anchor in page.ids


def _find_landed_section(job: _Job, landed: str, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts]) -> tuple[str, bool]:
    """Where the section stands now (see site_checks.locate_section), as written under
    job.site ("" if nowhere), and whether only a frozen version has it."""
    where = _short(landed.partition("#")[0], base_urls)
    site, _, path = where.partition(":")
    url = pages.get(site, {}).get(page_key(path))
    placed = locate_section(site, url if url is not None else path.lstrip("/"), job.anchor, facts)
    found = placed.target if placed else ""
    if found and site != job.site and ":" not in found.partition("#")[0]:
        found = f"{site}:{found}"  # found on the page's site, written under job.site
    return found, bool(placed and placed.frozen)


def _suggest(job: _Job, pages: dict[str, dict[str, str]]) -> str:
    """The redirects.yml entry to add: a spec's URL follows the spec to the site that
    has it now (a folder move), else the nearest existing page, never another spec's
    for a version (git renames come first: check_sites asks git in the parent)."""
    if on := spec_moved_to(job.site, job.url, pages):
        return folder_entry(job.site, spec_of(job.url), on)
    known = [served_forms(url)[0] for url in pages.get(job.site, {}).values()]
    close = nearest_path(job.url, known, cutoff=0.0)
    return f"{job.url}: {close or '/<new path>'}"


def _short(url: str, base_urls: dict[str, str]) -> str:
    for site, base in base_urls.items():
        if url.startswith(base):
            return f"{site}:/{url[len(base):]}"
    return url


def format_report(report: CheckReport) -> list[str]:
    lines = []
    for failure in report.failures:
        line = f"FAIL {failure.site} {failure.url}: {failure.problem}"
        if failure.fix:
            line += "; " + entry_fix(failure.site, failure.fix)
        lines.append(line)
    for s in report.sites:
        lines.append(f"{s.site:<20} {s.urls:>5} URLs  {s.anchors:>5} anchors  {s.redirects:>6} redirects  {s.failures:>4} failures")
    if only_with_script := sum(s.only_with_script for s in report.sites):
        lines.append(f"note: {only_with_script} ids reach their section only with JavaScript; without it they land on a page but not on the section"
                     " (a meta refresh cannot carry a #fragment: a known limit of hosts without redirect rules, such as GitHub Pages)")
    lines.append("all URLs land" if report.ok else f"{len(report.failures)} failures")
    return lines


def default_workers() -> int:
    return min(16, 4 * (os.cpu_count() or 1))


def orphaned_redirect_pages(files: IndexedFiles, site: str, pages: dict[str, str], planned: set[str]) -> list[Failure]:
    """HTML files that are neither a page, a planned redirect page nor 404.html."""
    expected = {"404.html", *(url_file(url) for url in pages.values())}
    orphans = [rel for rel in files.files if rel not in planned and rel not in expected and rel.endswith(".html") and not rel.startswith("assets/")]
    return [
        Failure(site, "/" + rel, "orphaned: no page and no redirects.yml entry makes this file; rebuild into a fresh folder, or add the redirect it stood for")
        for rel in sorted(orphans)
    ]


def check_sites(*, root: Path, out: Path | None = None, base_url_pairs: list[str] = (), live_pairs: list[str] = (), workers: int = 0, live: bool = False, with_results: bool = False,
                processes: int = 0, part_urls: int = PART_URLS) -> CheckReport:
    """The check, on the built folders (static) or over HTTP (live, `workers` requests
    at a time). The static check runs on `processes` forked workers (default: one per
    core), each taking a part of a site: up to `part_urls` of its published URLs, or
    of its redirect pages (see _parts)."""
    repo = load_repository(root)
    urls = base_urls(repo, list(live_pairs if live else base_url_pairs), "--live" if live else "--base-url")
    with collector_paused():  # many small objects and no cycles
        inventory = load_inventory(repo)
    planned = load_planned_files(repo)
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    out = (out or repo.root / "site").resolve()
    stamp = read_stamp(out)
    offsite = OffSite(repo.redirects_file, repo.names)
    if live:
        # The landings are judged from the answers alone; a build of the work tree only
        # adds where a lost section stands now. Without one (a clone, a staging check
        # after publish), that advice says to build rather than guess.
        built = _fresh_facts(repo, out, stamp)
        bases = tuple(urls.values())
        with HttpFetch(internal=lambda url: url.startswith(bases)) as fetch:
            return _with_git_renames(repo, run_check(plan_check(inventory, planned, urls), FetchFollower(fetch, MAX_HOPS), urls, pages, built, workers or default_workers(),
                                                     with_results=with_results, offsite=offsite), pages)
    _refuse_stale(repo, out, stamp, urls)
    static = _StaticCheck(urls, {urls[s.name]: out / s.name for s in repo.sites}, inventory, planned, pages, stamped_facts(stamp), with_results, offsite)
    with collector_paused():  # some 100,000 small objects and no cycles
        return _with_git_renames(repo, static.run(repo.names, processes or os.cpu_count() or 1, part_urls), pages)


def _with_git_renames(repo, report: CheckReport, pages: dict[str, dict[str, str]]) -> CheckReport:
    """Each gone page's fix from where git shows its source renamed, which comes before
    any guess by spelling (sources/git_renames.py, also used by --fix)."""
    for index, failure in enumerate(report.failures):
        if failure.fix and failure.problem.startswith("status 404") and "#" not in failure.url:
            placed = relocate_page(repo, failure.site, failure.url, pages)
            if placed is not None and placed.target:
                report.failures[index] = Failure(failure.site, failure.url, failure.problem, f"{placed.source}: {placed.target}")
    return report


def _fresh_facts(repo, out: Path, stamp: dict) -> dict[str, SiteFacts] | None:
    """The page facts of a build of the sources as they are, or None when there is none."""
    urls = {site: stamp[site].get("base_url", "") if isinstance(stamp.get(site), dict) else "" for site in repo.names}
    return None if _why_stale(repo, out, stamp, urls) else stamped_facts(stamp)


def _refuse_stale(repo, out: Path, stamp: dict, urls: dict[str, str]) -> None:
    """The check judges the sources as they are: an output built from other sources
    (or for other URLs) is refused, saying what to run."""
    if problem := _why_stale(repo, out, stamp, urls):
        raise SpecSitesError(problem)


def _why_stale(repo, out: Path, stamp: dict, urls: dict[str, str]) -> Problem | None:
    """Why the output in `out` is not a build of the sources as they are (saying what
    to run), or None when it is."""
    missing = [s.name for s in repo.sites if not (out / s.name).is_dir()]
    if missing:
        return Problem(str(out), 0, f"{missing[0]} is not built there; run {command('build')} first")
    digests = source_digests(repo)
    for site in repo.names:
        if why := staleness(stamp, site, digests, urls[site]):
            again = command("build") + ("" if out == repo.root / "site" else f" --out {out}")
            again += "" if not urls[site] or urls[site] == repo.site(site).production_url else f" --base-url {site}={urls[site]}"
            return Problem(str(out / site), 0, f"{why}, so checking it would judge other sources; run {again} first")
    return None


@dataclass(frozen=True)
class _Part:
    """A slice of one site's jobs, as sent to a worker."""

    site: str
    kind: str  # URLS: published URLs (and ids) followed; UNCOVERED: moved pages sorted; REDIRECTS: redirect pages followed
    start: int
    stop: int


URLS, UNCOVERED, REDIRECTS = "urls", "uncovered", "redirects"


@dataclass
class _PartReport:
    """What a worker sends back: small, unless results are asked for."""

    urls: int
    counts: dict[str, list[int]]
    failures: list[tuple[str, str, Failure]]
    results: list[Result]
    failed_starts: list[str]


@dataclass
class _StaticCheck:
    """The check of built folders. Forked workers inherit it whole (the plan's
    files, the inventory) and each follows a part of a site's jobs, or lists a
    share of the output's folders, so one large site uses every core."""

    base_urls: dict[str, str]
    folders: dict[str, Path]  # base URL -> built site folder
    inventory: Inventory
    planned: PlannedFiles
    pages: dict[str, dict[str, str]]
    facts: dict[str, SiteFacts]
    with_results: bool
    offsite: OffSite
    files: dict[str, IndexedFiles] = field(default_factory=dict)  # base URL -> files, as listed
    urls: dict[str, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)  # site -> its inventory, sorted
    failed_starts: frozenset[str] = frozenset()  # the published URLs' forms that did not land
    unfollowed: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # site -> moved pages' files not yet known to land
    follower: StaticFollower | None = None  # as a browser running scripts
    plain: StaticFollower | None = None  # as one that runs none
    _listed: list[Path] = field(default_factory=list)  # the folders list_share's shares index

    def run(self, sites: list[str], processes: int, part_urls: int) -> CheckReport:
        self._listed = [self.folders[self.base_urls[site]] for site in sites]
        for site in sites:
            self.urls[site] = sorted(self.inventory.get(site, {}).items())
        # First, on the same workers, so that nothing waits: the published URLs,
        # judged by reading the files they serve; the listing of the output (for
        # orphans); and which moved pages are not a published URL, whose redirect
        # pages were not followed as its forms. Then those redirect pages, and the
        # pages of those forms that failed, are followed.
        try:
            listings, shares = listing_shares(self._listed, 2 * processes)
        except OSError as e:
            raise unreadable_output(e)
        url_parts = [p for site in sites for p in _parts(site, URLS, len(self.urls[site]), processes, part_urls)]
        sorting = [] if self.with_results else [p for site in sites for p in _parts(site, UNCOVERED, len(self._moved(site)), processes, 4 * part_urls)]
        done = map_forked(self._task, [*url_parts, *sorting, *shares], processes)
        url_reports, uncovered, found = done[: len(url_parts)], done[len(url_parts): len(url_parts) + len(sorting)], done[len(url_parts) + len(sorting):]
        for one in found:
            add_found(listings, one)
        for site, folder, listing in zip(sites, self._listed, listings):
            self.files[self.base_urls[site]] = IndexedFiles(folder, listing)
        if not all(disk_agrees(files) for files in self.files.values()):
            # The workers asked the disk, which here answers otherwise than the
            # listing (a link to a folder, a case-insensitive disk): ask it again.
            self.follower = self.plain = None
            url_reports = map_forked(self.part, url_parts, processes)
        self.failed_starts = frozenset(start for r in url_reports for start in r.failed_starts)
        for site in sites:
            moved = self._moved(site)
            if self.with_results:
                self.unfollowed[site] = moved
                continue
            indexes = [i for part, some in zip(sorting, uncovered) if part.site == site for i in some]
            if self.failed_starts:
                root = self.base_urls[site].rstrip("/")
                indexes = sorted({*indexes, *(i for i, files in enumerate(moved) if any(f"{root}/{f}" in self.failed_starts for f in files))})
            self.unfollowed[site] = [moved[i] for i in indexes]
        redirect_parts = [p for site in sites for p in _parts(site, REDIRECTS, len(self.unfollowed[site]), processes, part_urls)]
        redirect_reports = map_forked(self.part, redirect_parts, processes)
        return self._report(sites, list(zip(url_parts, url_reports)) + list(zip(redirect_parts, redirect_reports)))

    def _moved(self, site: str) -> list[tuple[str, ...]]:
        """The files of each of the site's moved pages' redirect pages, as planned."""
        return self.planned.moved.get(site, [])

    def _task(self, item: _Part | Share) -> _PartReport | list[int] | dict:
        if not isinstance(item, _Part):
            try:
                return list_share(self._listed, item)
            except OSError as e:
                raise unreadable_output(e)
        if item.kind == UNCOVERED:
            published, moved = self.inventory.get(item.site, {}), self._moved(item.site)
            return [i for i in range(item.start, item.stop) if not _covered(moved[i], published)]
        return self.part(item)

    def part(self, part: _Part) -> _PartReport:
        if self.follower is None:  # before the listing, asking the disk
            self.follower = StaticFollower(self.folders, MAX_HOPS, self.files or {b: FolderFiles(f) for b, f in self.folders.items()})
            self.plain = self.follower.without_script()
        follower, plain = self.follower, self.plain
        base = self.base_urls[part.site]
        tally = _Tally(self.base_urls, self.pages, self.facts, self.with_results, self.offsite)
        if part.kind == REDIRECTS:
            for job in _redirect_jobs(part.site, base, self.unfollowed[part.site][part.start:part.stop]):
                tally.add(job, follower.land(job.start), plain.land(job.start))
            return _PartReport(0, tally.counts, tally.failures, tally.results, [])
        urls = self.urls[part.site][part.start:part.stop]
        counts = tally.counts.setdefault(part.site, [0, 0, 0])  # [anchors, redirects, only with JavaScript]
        for url, ids in urls:
            served = None if self.with_results else self._forms_land(base, url)
            if served is None:
                for job in _url_jobs(part.site, base, [(url, ids)]):
                    tally.add(job, follower.land(job.start), plain.land(job.start))
                continue
            for job in _anchor_jobs(part.site, base.rstrip("/"), url, ids):
                address = job.start.partition("#")[0]
                landing = follower.file_landing(base, address, served, job.anchor)
                without = plain.file_landing(base, address, served, job.anchor) if landing is not None and not landing.external and _lands_on_id(landing) else None
                if without is not None and not without.external:  # no failure to report
                    counts[0] += 1
                    counts[2] += not _reaches_section(without)
                else:
                    tally.add(job, follower.land(job.start), plain.land(job.start))
        return _PartReport(len(urls), tally.counts, tally.failures, tally.results, tally.failed_starts)

    def _forms_land(self, base: str, url: str) -> str | None:
        """Whether every form of a published URL lands, judged by the two files the
        four forms serve (one step and one walk each) rather than form by form: a
        site with 100,000 moved pages has 400,000 forms. If so, the file the URL
        as published serves; None may also mean "not judged here": follow the
        forms to know."""
        key = url.strip("/")
        served = form_files(key) if url in (f"/{key}", f"/{key}/") and key else None  # forms as old_url_forms makes them
        if served is None:
            return None
        index, page = served
        files = self.follower.files(base)
        if isinstance(files, IndexedFiles) and not (files.is_file(index) and files.is_file(page)):
            return None  # file_landing reads the disk: only what the listing holds
        root = base.rstrip("/")
        landings = [walk.file_landing(base, address, file) for walk in (self.follower, self.plain) for address, file in ((f"{root}/{key}/", index), (f"{root}/{key}.html", page))]
        if all(landing is not None and not landing.external for landing in landings) and landings[0].url == landings[2].url and landings[1].url == landings[3].url:
            return index if url.endswith("/") else page  # both ways, to the same page
        return None

    def _report(self, sites: list[str], parts: list[tuple[_Part, _PartReport]]) -> CheckReport:
        summaries, failures, results = [], [], []
        for site in sites:
            summary = SiteSummary(site)
            mine = [report for part, report in parts if part.site == site]
            summary.urls = sum(r.urls for r in mine)
            summary.anchors = sum(r.counts.get(site, [0, 0, 0])[0] for r in mine)
            summary.only_with_script = sum(r.counts.get(site, [0, 0, 0])[2] for r in mine)
            summary.redirects = sum(len(files) for files in self._moved(site))
            found = _one_per_url(f for r in mine for f in r.failures)
            found += orphaned_redirect_pages(self.files[self.base_urls[site]], site, self.pages[site], self.planned.every(site))
            summary.failures = len(found)
            summaries.append(summary)
            failures += found
            results += [x for r in mine for x in r.results]
        return CheckReport(summaries, failures, results)


def _covered(files: tuple[str, ...], published: dict) -> bool:
    """Whether each of a moved page's redirect pages is a form (old_url_forms) of a
    published URL: followed as such. Only the forms of redirect page files are
    looked for: /x.html and /x/index.html for /x or /x/, and / or /index.html for
    the root."""
    for file in files:
        if file == "index.html":
            if "" in published or "/" in published:
                continue
            return False
        stem = "/" + (file[:-11] if file.endswith("/index.html") else file[:-5] if file.endswith(".html") else "")
        if not (stem != "/" and not stem.endswith("/") and (stem in published or stem + "/" in published)):
            return False
    return True


def _parts(site: str, kind: str, count: int, processes: int, part_size: int) -> list[_Part]:
    """One part for up to part_size jobs; more, each at most part_size and small enough
    to give each process one. A worker taking part of a site reads the pages its URLs
    land on, so small sites are not split: their pages would be read on every worker."""
    size = max(1, count if count <= part_size else min(part_size, -(-count // processes)))
    return [_Part(site, kind, start, min(count, start + size)) for start in range(0, count, size)]

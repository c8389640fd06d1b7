"""`specsites check`: every URL and section id ever published still lands.

Plans what to follow (pure), follows it (through the built files with GitHub Pages'
rules, one forked process per core taking a site at a time; or over HTTP), and
reports failures with the redirects.yml line that fixes them.
"""
from __future__ import annotations

import difflib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from specsites.errors import Problem, SpecSitesError
from specsites.forked import map_forked
from specsites.follow import FetchFollower, Follower, Landing
from specsites.http_fetch import HttpFetch
from specsites.static_follow import StaticFollower
from specsites.static_host import IndexedFiles
from specsites.inventory import Inventory, load_inventory
from specsites.output_stamp import read_stamp, source_digests, stamped_facts, staleness
from specsites.redirect_plan import Plan, collector_paused, load_plan
from specsites.site_checks import SiteFacts, entry_fix, find_section
from specsites.sites import base_urls, load_repository, site_pages
from specsites.urls import old_url_forms, page_key, served_forms, url_file

MAX_HOPS = 3  # e.g. /x -> 301 /x/ -> redirect page -> new page


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


@dataclass(frozen=True)
class Result:
    """Where one followed URL landed, for --json --all."""

    site: str
    start: str  # as published, with #id for an anchor; /file for a redirect page
    kind: str  # url | anchor | redirect
    lands: str  # site:/path#id, or the external URL
    redirects: int
    ok: bool


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


@dataclass(frozen=True, slots=True)
class _Job:
    site: str
    url: str  # as published
    start: str  # absolute URL to follow
    anchor: str = ""
    kind: str = "url"  # url | anchor | redirect


def plan_check(inventory: Inventory, plan: Plan, base_urls: dict[str, str]) -> list[_Job]:
    """What to follow: each inventory URL in every form, each id, each redirect page."""
    jobs: list[_Job] = []
    for site in base_urls:
        base = base_urls[site].rstrip("/")
        for url, ids in sorted(inventory.get(site, {}).items()):
            jobs.extend(_Job(site, url, base + form) for form in old_url_forms(url))
            jobs.extend(_Job(site, url, f"{base}{url}#{anchor}", anchor, "anchor") for anchor in sorted(ids))
        for redirect in plan.moved(site):
            for file in redirect.files:
                jobs.append(_Job(site, "/" + file, f"{base}/{file}", kind="redirect"))
    return jobs


def run_check(jobs: list[_Job], follower: Follower, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts], workers: int = 1, with_results: bool = False) -> CheckReport:
    summaries = {site: SiteSummary(site) for site in base_urls}
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            landings = list(pool.map(lambda job: follower.follow(job.start), jobs))
    else:
        landings = [follower.follow(job.start) for job in jobs]
    for site, _url in {(job.site, job.url) for job in jobs if job.kind == "url"}:
        summaries[site].urls += 1
    failures: list[Failure] = []
    results: list[Result] = []
    failed_urls: set[tuple[str, str]] = set()
    for job, landing in zip(jobs, landings):
        summary = summaries[job.site]
        summary.anchors += job.kind == "anchor"
        summary.redirects += job.kind == "redirect"
        failure = _judge(job, landing, base_urls, pages, facts)
        if with_results:
            start = job.start[len(base_urls[job.site].rstrip("/")):]
            results.append(Result(job.site, start, job.kind, _short(landing.url, base_urls), landing.redirects, failure is None))
        if failure is None or (job.site, job.url) in failed_urls:
            continue
        if job.kind == "url":
            failed_urls.add((job.site, job.url))  # one line per URL, not one per form
        failures.append(failure)
        summary.failures += 1
    return CheckReport(list(summaries.values()), failures, results)


def _judge(job: _Job, landing: Landing, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts]) -> Failure | None:
    shown = job.url + (f"#{job.anchor}" if job.anchor else "")
    if landing.error:
        hops = " -> ".join(_short(u, base_urls) for u, _ in landing.hops)
        fix = _suggest(job, pages) if landing.error.startswith("status 404") else ""
        return Failure(job.site, shown, f"{landing.error} ({hops})", fix)
    if landing.external:
        return None
    if job.kind != "anchor":
        return None
    fragment = landing.url.partition("#")[2]
    if fragment and fragment not in landing.ids:
        page = _short(landing.url.partition("#")[0], base_urls)
        problem = f"lands on {page}, which has no id {fragment!r}"
        if _built_page_has(landing.url.partition("#")[0], fragment, base_urls, pages, facts):
            return Failure(job.site, shown, f"{problem}; the sources have it, so this output is not what they build: publish them again")
        found = _find_landed_section(job, landing.url, base_urls, pages, facts)
        if not found:
            return Failure(job.site, shown, f"{problem}, and no heading on any site has that id or its text; restore {{#{job.anchor}}} on the heading that replaced it, or add a redirect from {shown} to the section that did")
        return Failure(job.site, shown, problem, f"{shown}: {found}")
    return None


def _built_page_has(landed: str, anchor: str, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts]) -> bool:
    """Whether a build of the sources gives the landed page that id."""
    site, _, path = _short(landed, base_urls).partition(":")
    url = pages.get(site, {}).get(page_key(path))
    page = facts.get(site, {}).get(url) if url is not None else None
    return page is not None and anchor in page.ids


def _find_landed_section(job: _Job, landed: str, base_urls: dict[str, str], pages: dict[str, dict[str, str]], facts: dict[str, SiteFacts]) -> str:
    """Where the section stands now (see site_checks.find_section), as written under job.site."""
    where = _short(landed.partition("#")[0], base_urls)
    site, _, path = where.partition(":")
    url = pages.get(site, {}).get(page_key(path))
    found = find_section(site, url if url is not None else path.lstrip("/"), job.anchor, facts)
    if found and site != job.site and ":" not in found.partition("#")[0]:
        found = f"{site}:{found}"  # found on the page's site, written under job.site
    return found


def _suggest(job: _Job, pages: dict[str, dict[str, str]]) -> str:
    """The redirects.yml entry to add, pointing at the nearest existing page."""
    known = [served_forms(url)[0] for url in pages.get(job.site, {}).values()]
    close = difflib.get_close_matches(job.url, known, n=1, cutoff=0.0)
    return f"{job.url}: {close[0] if close else '/<new path>'}"


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
    lines.append("all URLs land" if report.ok else f"{len(report.failures)} failures")
    return lines


def default_workers() -> int:
    return min(16, 4 * (os.cpu_count() or 1))


def orphaned_redirect_pages(files: IndexedFiles, site: str, pages: dict[str, str], plan: Plan) -> list[Failure]:
    """HTML files that are neither a page, a planned redirect page nor 404.html."""
    expected = {"404.html"} | {url_file(url) for url in pages.values()}
    expected |= {f for r in plan.redirects.get(site, []) for f in r.files}
    return [
        Failure(site, "/" + rel, "orphaned: no page and no redirects.yml entry makes this file; rebuild into a fresh folder, or add the redirect it stood for")
        for rel in sorted(files.files)
        if rel.endswith(".html") and rel not in expected and not rel.startswith("assets/")
    ]


def check_sites(*, root: Path, out: Path | None = None, base_url_pairs: list[str] = (), live_pairs: list[str] = (), workers: int = 0, live: bool = False, with_results: bool = False) -> CheckReport:
    """The check, on the built folders (static) or over HTTP (live)."""
    repo = load_repository(root)
    urls = base_urls(repo, list(live_pairs if live else base_url_pairs), "--live" if live else "--base-url")
    with collector_paused():  # many small objects and no cycles
        inventory = load_inventory(repo)
    plan = load_plan(repo)
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    out = (out or repo.root / "site").resolve()
    stamp = read_stamp(out)
    if live:  # where sections stand now, from a build of the work tree when there is one
        digests = source_digests(repo)
        fresh = {site: f for site, f in stamped_facts(stamp).items() if not staleness(stamp, site, digests, stamp[site].get("base_url", ""))}
        bases = tuple(urls.values())
        with HttpFetch(internal=lambda url: url.startswith(bases)) as fetch:
            return run_check(plan_check(inventory, plan, urls), FetchFollower(fetch, MAX_HOPS), urls, pages, fresh, workers or default_workers(), with_results=with_results)
    _refuse_stale(repo, out, stamp, urls)
    static = _StaticCheck(urls, {urls[s.name]: out / s.name for s in repo.sites}, inventory, plan, pages, stamped_facts(stamp), with_results)
    with collector_paused():  # some 100,000 small objects and no cycles
        return _merge(map_forked(static.site, repo.names))


def _refuse_stale(repo, out: Path, stamp: dict, urls: dict[str, str]) -> None:
    """The check judges the sources as they are: an output built from other sources
    (or for other URLs) is refused, saying what to run."""
    missing = [s.name for s in repo.sites if not (out / s.name).is_dir()]
    if missing:
        raise SpecSitesError(Problem(str(out), 0, f"{missing[0]} is not built there; run scripts/build first"))
    digests = source_digests(repo)
    for site in repo.names:
        if why := staleness(stamp, site, digests, urls[site]):
            again = "scripts/build" + ("" if out == repo.root / "site" else f" --out {out}")
            again += "" if urls[site] == repo.site(site).production_url else f" --base-url {site}={urls[site]}"
            raise SpecSitesError(Problem(str(out / site), 0, f"{why}, so checking it would judge other sources; run {again} first"))


@dataclass
class _StaticCheck:
    """The check of built folders, one site at a time; a forked worker inherits it
    whole and keeps one follower for all the sites it checks."""

    base_urls: dict[str, str]
    folders: dict[str, Path]  # base URL -> built site folder
    inventory: Inventory
    plan: Plan
    pages: dict[str, dict[str, str]]
    facts: dict[str, SiteFacts]
    with_results: bool
    follower: StaticFollower | None = None

    def site(self, site: str) -> CheckReport:
        if self.follower is None:
            self.follower = StaticFollower(self.folders, MAX_HOPS)
        jobs = plan_check(self.inventory, self.plan, {site: self.base_urls[site]})
        report = run_check(jobs, self.follower, self.base_urls, self.pages, self.facts, with_results=self.with_results)
        summary = next(s for s in report.sites if s.site == site)
        orphans = orphaned_redirect_pages(self.follower.files(self.base_urls[site]), site, self.pages[site], self.plan)
        summary.failures += len(orphans)
        return CheckReport([summary], report.failures + orphans, report.results)


def _merge(reports: list[CheckReport]) -> CheckReport:
    return CheckReport([s for r in reports for s in r.sites], [f for r in reports for f in r.failures], [x for r in reports for x in r.results])

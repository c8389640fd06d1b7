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
from specsites.inventory import FILENAME as INVENTORY
from specsites.inventory import Inventory, parse_inventory
from specsites.redirect_plan import Plan, collector_paused, load_plan
from specsites.sites import base_urls, load_repository, site_pages
from specsites.urls import old_url_forms, served_forms, url_file

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


def run_check(jobs: list[_Job], follower: Follower, base_urls: dict[str, str], pages: dict[str, dict[str, str]], inventory: Inventory, workers: int = 1, with_results: bool = False) -> CheckReport:
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
        failure = _judge(job, landing, base_urls, pages, inventory)
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


def _judge(job: _Job, landing: Landing, base_urls: dict[str, str], pages: dict[str, dict[str, str]], inventory: Inventory) -> Failure | None:
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
        return Failure(job.site, shown, f"lands on {page}, which has no id {fragment!r}", _suggest_anchor(job, pages, inventory))
    return None


def _suggest_anchor(job: _Job, pages: dict[str, dict[str, str]], inventory: Inventory) -> str:
    """Where the id lives now, from what the sites publish; or restore the heading."""
    live = {(site, served_forms(url)[0]) for site, urls in pages.items() for url in urls.values()}
    for site in [job.site] + sorted(s for s in inventory if s != job.site):
        for url, ids in sorted(inventory.get(site, {}).items()):
            if job.anchor in ids and (site, url) in live and url != job.url:
                target = url if site == job.site else f"{site}:{url}"
                return f"{job.url}#{job.anchor}: {target}#{job.anchor}"
    return f"{job.url}#{job.anchor}: /<page>#<id>  (or restore the heading id)"


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
            line += f"; fix: add under `{failure.site}:` in redirects.yml:  {failure.fix}"
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
    urls = base_urls(repo, " ".join(live_pairs if live else base_url_pairs), "--live" if live else "--base-url")
    inventory_file = repo.root / INVENTORY
    with collector_paused():  # many small objects and no cycles
        inventory = parse_inventory(inventory_file.read_bytes() if inventory_file.exists() else b"", repo.names)
    plan = load_plan(repo)
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    if live:
        bases = tuple(urls.values())
        with HttpFetch(internal=lambda url: url.startswith(bases)) as fetch:
            return run_check(plan_check(inventory, plan, urls), FetchFollower(fetch, MAX_HOPS), urls, pages, inventory, workers or default_workers(), with_results=with_results)
    out = (out or repo.root / "site").resolve()
    missing = [s.name for s in repo.sites if not (out / s.name).is_dir()]
    if missing:
        raise SpecSitesError(Problem(str(out), 0, f"{missing[0]} is not built there; run scripts/build first"))
    static = _StaticCheck(urls, {urls[s.name]: out / s.name for s in repo.sites}, inventory, plan, pages, with_results)
    with collector_paused():  # some 100,000 small objects and no cycles
        return _merge(map_forked(static.site, repo.names))


@dataclass
class _StaticCheck:
    """The check of built folders, one site at a time; a forked worker inherits it
    whole and keeps one follower for all the sites it checks."""

    base_urls: dict[str, str]
    folders: dict[str, Path]  # base URL -> built site folder
    inventory: Inventory
    plan: Plan
    pages: dict[str, dict[str, str]]
    with_results: bool
    follower: StaticFollower | None = None

    def site(self, site: str) -> CheckReport:
        if self.follower is None:
            self.follower = StaticFollower(self.folders, MAX_HOPS)
        jobs = plan_check(self.inventory, self.plan, {site: self.base_urls[site]})
        report = run_check(jobs, self.follower, self.base_urls, self.pages, self.inventory, with_results=self.with_results)
        summary = next(s for s in report.sites if s.site == site)
        orphans = orphaned_redirect_pages(self.follower.files(self.base_urls[site]), site, self.pages[site], self.plan)
        summary.failures += len(orphans)
        return CheckReport([summary], report.failures + orphans, report.results)


def _merge(reports: list[CheckReport]) -> CheckReport:
    return CheckReport([s for r in reports for s in r.sites], [f for r in reports for f in r.failures], [x for r in reports for x in r.results])

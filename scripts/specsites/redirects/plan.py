"""Turns redirect rules and the sites' pages into the redirects to write.

Pure, but for load_plan, which reads redirects.yml and the sites' folders. Checks every target against the real pages, flattens
chains (and says so), refuses cycles and redirects that would hide a page.
"""
from __future__ import annotations

import contextlib
import gc
import os
from dataclasses import dataclass, field
from typing import NamedTuple

from specsites.errors import Problem, SpecSitesError
from specsites.machinery.parsed_cache import cached, keep, peek, store
from specsites.redirects.map import Rule, Target, parse_redirects
from specsites.sources.sites import Repository, renamed_page, site_pages
from specsites.sources.source_files import read_source
from specsites.redirects.relocate import nearest_path
from specsites.urls import file_forms, page_key, served_forms, url_file

Pages = dict[str, dict[str, str]]  # site -> page key -> site-relative URL


class Destination(NamedTuple):  # a tuple: a large site plans 100,000, and keys maps by them
    """A resolved place: a page URL on one of our sites, or an external URL."""

    site: str  # "" for an external URL
    url: str  # site-relative URL ("specs/x/", "use-cases.html"), or the external URL
    anchor: str = ""


@dataclass(frozen=True, slots=True)  # slots: a large site plans 100,000
class Redirect:
    """What one old page on one site does."""

    site: str
    key: str
    line: int  # of redirects.yml; 0 for a URL-form alias of a real page
    to: Destination | None  # None when the page stays and only some sections moved
    anchors: dict[str, Destination] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the redirect pages to write, relative to the site root

    @property
    def is_alias(self) -> bool:
        return self.line == 0

    def __reduce__(self):  # pickled as its fields: loads in half the time dataclasses' slots pickling takes
        return Redirect, (self.site, self.key, self.line, self.to, self.anchors, self.files)


@dataclass
class Plan:
    redirects: dict[str, list[Redirect]]  # by site
    problems: list[Problem]
    notes: list[Problem]  # chains that were flattened

    def moved(self, site: str) -> list[Redirect]:
        return [r for r in self.redirects.get(site, []) if not r.is_alias]

    def section_moves(self, site: str) -> list[Redirect]:
        """Pages that stay while some of their sections moved (each gets a script)."""
        return [r for r in self.redirects.get(site, []) if r.to is None]


@dataclass(frozen=True)
class _Entry:
    line: int
    target: Target
    written: str  # the old path as written, for messages


def plan_redirects(rules: list[Rule], pages: Pages, filename: str = "redirects.yml", renamed=None) -> Plan:
    """renamed(site, path): where git shows a gone page's source moved ("" if not),
    offered before any guess by spelling when a target is no page."""
    problems: list[Problem] = []
    notes: list[Problem] = []
    whole: dict[tuple[str, str], _Entry] = {}
    sections: dict[tuple[str, str], dict[str, _Entry]] = {}

    for rule in rules:
        if rule.is_folder:
            _expand_folder(rule, pages, whole, problems, filename)
        elif rule.anchor:
            sections.setdefault((rule.site, rule.key), {})[rule.anchor] = _Entry(rule.line, rule.target, f"{rule.source}#{rule.anchor}")
        else:
            whole[(rule.site, rule.key)] = _Entry(rule.line, rule.target, rule.source)

    for (site, key), entry in whole.items():
        if key in pages[site]:
            problems.append(Problem(filename, entry.line, f"{entry.written} is still a page on {site}; delete the page or this redirect, a redirect must not hide a page"))

    def resolve(site: str, entry: _Entry) -> Destination | None:
        trail = [(site, entry)]
        target, anchor = entry.target, entry.target.anchor
        while True:
            if target.external:
                return Destination("", target.external)
            key = page_key(target.path)
            hop = whole.get((target.site, key))
            if hop is None:
                return existing_page(target, anchor, pages, entry.line, problems, filename, renamed)
            if hop is entry and len(trail) == 1:
                problems.append(Problem(filename, entry.line, f"{entry.written} on {site} redirects to itself; point it at another page"))
                return None
            if any(s == target.site and e is hop for s, e in trail):
                lines = ", ".join(str(e.line) for _, e in trail)
                problems.append(Problem(filename, entry.line, f"{entry.written} on {site} redirects in a cycle (lines {lines}); point one of them at a real page"))
                return None
            trail.append((target.site, hop))
            target, anchor = hop.target, hop.target.anchor or anchor

    redirects: dict[str, list[Redirect]] = {site: [] for site in pages}
    for (site, key), entry in sorted(whole.items(), key=lambda item: item[1].line):
        destination = resolve(site, entry)
        if destination is None:
            continue
        final = page_key(entry.target.path) if not entry.target.external else ""
        if not entry.target.external and (entry.target.site, final) in whole:
            notes.append(chain_note(filename, entry.line, entry.written, destination))
        anchors = {a: d for a, e in sections.pop((site, key), {}).items() if (d := resolve(site, e))}
        redirects[site].append(Redirect(site, key, entry.line, destination, anchors, file_forms(key)))

    for (site, key), by_anchor in sections.items():
        first = min(e.line for e in by_anchor.values())
        if key not in pages[site]:
            written = next(iter(by_anchor.values())).written.partition("#")[0]
            problems.append(Problem(filename, first, f"{written} is neither a page on {site} nor redirected; add a redirect for {written} itself"))
            continue
        anchors = {a: d for a, e in by_anchor.items() if (d := resolve(site, e))}
        redirects[site].append(Redirect(site, key, first, None, anchors, ()))

    for site, urls in pages.items():
        for key, url in sorted(urls.items()):
            others = tuple(f for f in file_forms(key) if f != url_file(url))
            if others:
                redirects[site].append(Redirect(site, key, 0, Destination(site, url), {}, others))
    return Plan(redirects, problems, notes)


def _expand_folder(rule: Rule, pages: Pages, whole: dict[tuple[str, str], _Entry], problems: list[Problem], filename: str) -> None:
    """`/old/*: /new/*`: every page now under /new/ was under /old/ before."""
    if rule.target.external:
        problems.append(Problem(filename, rule.line, "a folder move needs a folder on one of our sites as its target, like site:/new/*"))
        return
    new = page_key(rule.target.path[:-1])
    old = rule.key
    moved = [k for k in pages[rule.target.site] if new == "" or k == new or k.startswith(new + "/")]
    if not moved:
        problems.append(Problem(filename, rule.line, f"no pages under {rule.target.path[:-1]} on {rule.target.site}; check the new folder's path"))
        return
    for key in moved:
        rest = key[len(new):].lstrip("/")
        source = "/".join(p for p in (old, rest) if p)
        path = "/" + (pages[rule.target.site][key])
        whole.setdefault((rule.site, source), _Entry(rule.line, Target(rule.target.site, path, rule.target.anchor), "/" + source))


def existing_page(target: Target, anchor: str, pages: Pages, line: int, problems: list[Problem], filename: str, renamed=None) -> Destination | None:
    site_pages = pages[target.site]
    key = page_key(target.path)
    url = site_pages.get(key)
    if url is not None and target.path in served_forms(url):
        return Destination(target.site, url, anchor)
    if url is not None:
        problems.append(Problem(filename, line, f"{target.path} is not a page on {target.site}; did you mean {served_forms(url)[0]}?"))
        return None
    moved = renamed(target.site, target.path) if renamed else ""
    known = [served_forms(u)[0] for u in site_pages.values()]
    close = nearest_path(target.path, known)  # never another spec's
    hint = f"git shows it moved to {moved}; point the entry there" if moved else f"did you mean {close}?" if close else "point it at an existing page"
    problems.append(Problem(filename, line, f"{target.path} is not a page on {target.site}; {hint}"))
    return None


def chain_note(filename: str, line: int, written: str, destination: Destination) -> Problem:
    """The note for an entry whose target moved again: the build sends it straight on."""
    return Problem(filename, line, f"{written} led to a page that moved again; it now redirects straight to {_describe(destination)}")


def _describe(destination: Destination) -> str:
    if not destination.site:
        return destination.url
    url = served_forms(destination.url)[0] + (f"#{destination.anchor}" if destination.anchor else "")
    return f"{destination.site}:{url}"


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a large map is read, planned or rendered.

    These make many small objects and no cycles; with the collector on, 100k
    redirects took 1.8 times as long as ten times 10k (benchmarks/RESULTS.md).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class PlannedFiles:
    """The redirect pages a plan writes, by site: all the check needs of a plan."""

    moved: dict[str, list[tuple[str, ...]]]  # the files of each moved page, in plan order
    aliases: dict[str, list[tuple[str, ...]]]  # the files of each URL-form alias of a page

    @classmethod
    def of(cls, plan: Plan) -> PlannedFiles:
        moved: dict[str, list[tuple[str, ...]]] = {}
        aliases: dict[str, list[tuple[str, ...]]] = {}
        for site, redirects in plan.redirects.items():
            moved[site] = [r.files for r in redirects if not r.is_alias]
            aliases[site] = [r.files for r in redirects if r.is_alias]
        return cls(moved, aliases)

    def every(self, site: str) -> set[str]:
        """Every redirect page planned on the site."""
        return {f for files in (*self.moved.get(site, []), *self.aliases.get(site, [])) for f in files}


def load_plan(repo: Repository) -> Plan:
    """Read redirects.yml and plan it against every site's pages; SpecSitesError if bad.

    Kept between runs: the plan of these very bytes, or else the plan of the map's
    last text with the same pages, replanned where the edit touches it
    (incremental.replan), or else read and planned whole. A plan made here keeps its
    redirect pages beside it, for load_planned_files (the check after a build)."""
    from specsites.redirects.incremental import map_state, replan

    inputs = _plan_inputs(repo)
    name, data, pages = inputs
    last = (name, pages)  # the key of what the last plan with these pages left

    def read() -> Plan:
        state = peek("map-state", last)
        previous = peek("plan", (name, state.data, pages)) if state is not None else None
        made = replan(state, previous, data, pages, repo.names, name) if previous is not None else None
        if made is None:
            rules, problems = parse_redirects(data, repo.names, name)
            plan = plan_redirects(rules, pages, name)
            if problems or plan.problems:
                # said again with git's word on where gone pages went (only now: it costs a git call each)
                plan = plan_redirects(rules, pages, name, lambda site, path: renamed_page(repo, site, path))
                raise SpecSitesError(problems + plan.problems)
            made = plan, map_state(data, rules)
        plan, state = made
        store("map-state", last, state)
        keep("planned-files", inputs, lambda: PlannedFiles.of(plan))
        return plan

    with collector_paused():
        return cached("plan", inputs, read)


def load_planned_files(repo: Repository) -> PlannedFiles:
    """load_plan's redirect pages alone (SpecSitesError if the plan is bad), kept
    apart in the cache: at 100,000 redirects they load in a tenth of the plan's
    time, in a third of its memory."""
    with collector_paused():
        return cached("planned-files", _plan_inputs(repo), lambda: PlannedFiles.of(load_plan(repo)))


def _plan_inputs(repo: Repository) -> tuple[str, bytes, Pages]:
    """What decides a plan: the redirects file's name and bytes, every site's pages."""
    path = repo.redirects_file
    data = read_source(path, repo.root) if os.path.lexists(path) else b""
    return path.name, data, {s.name: site_pages(repo, s) for s in repo.sites}

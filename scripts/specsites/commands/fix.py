"""`specsites check --fix`: the redirects.yml entries the facts justify, written.

Where a URL or id of the inventory no longer lands, an entry is written only with a
reason: git shows the page's source renamed to a page that exists, or the same id
(or a heading whose words give the old id) stands on another page or site
(site_checks.locate_section). Everything else is listed for the editor to decide.
The page facts come from a build of the sources into a temporary folder, with the
published-id check left out (it is what is being fixed). The new redirects.yml is
validated like a hand-written one before it replaces the old; on any error nothing
is written.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from specsites.errors import Problem, SpecSitesError
from specsites.program import command, plural
from specsites.machinery.forked import map_forked
from specsites.machinery.git_utils import GitError, git
from specsites.machinery.safe_write import write_file
from specsites.sources.source_files import read_source_text
from specsites.sources.inventory import Inventory, load_inventory
from specsites.commands.move import plan_moved, write_mended
from specsites.sources.git_renames import Relocation, in_git_work_tree, relocate_page
from specsites.redirects.map import parse_redirects
from specsites.redirects.plan import Pages, Plan, plan_redirects
from specsites.redirects.relocate import folder_entry, spec_moved_to, spec_of
from specsites.checks.site_checks import Placement, SiteFacts, locate_section
from specsites.sources.sites import SPECIFICATIONS, Repository, load_repository, locate, md_to_html, site_pages
from specsites.urls import page_key
from specsites.sources.yaml_text import add_entries, redirect_entries, retarget


@dataclass(frozen=True)
class Fix:
    site: str
    source: str  # the old URL as published, with #id for a section
    target: str  # as written under `site:`
    reason: str
    changed: bool = False  # an existing entry's target repaired, not a new entry


@dataclass(frozen=True)
class Unplaced:
    site: str
    url: str
    why: str


@dataclass
class FixReport:
    written: list[Fix] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    mended: list[str] = field(default_factory=list)  # what was edited after moves made by hand, as mv would have

    @property
    def ok(self) -> bool:
        return not self.unplaced

    def lines(self) -> list[str]:
        out = list(self.mended)
        out += [f"{'changed' if f.changed else 'added'} under `{f.site}:` in redirects.yml:  {f.source}: {f.target}  ({f.reason})" for f in self.written]
        out += [f"cannot place {u.site} {u.url}: {u.why}" for u in self.unplaced]
        if not self.written and not self.unplaced and not self.mended:
            out.append("nothing to fix: every published URL and id has a page or an entry")
        elif self.written:
            out.append(f"wrote {plural(len(self.written), 'entry', 'entries')} to redirects.yml; run {command('build')} and {command('check')}")
        elif self.mended:
            out.append(f"mended what the moves made by hand left; run {command('build')} and {command('check')}")
        if self.unplaced:
            out.append(f"{len(self.unplaced)} left for you to decide; add their entries to redirects.yml by hand")
        return out


# --- pure: what no longer lands ------------------------------------------------

def _moved_to(plan: Plan, site: str, key: str):
    for redirect in plan.redirects.get(site, []):
        if redirect.key == key and redirect.to is not None:
            return redirect
    return None


def missing_pages(inventory: Inventory, pages: Pages, plan: Plan) -> list[tuple[str, str]]:
    """(site, URL) of each published URL that is no page and is redirected nowhere."""
    return [(site, url) for site, urls in sorted(inventory.items()) for url in sorted(urls) if page_key(url) not in pages.get(site, {}) and _moved_to(plan, site, page_key(url)) is None]


def place_ids(inventory: Inventory, pages: Pages, plan: Plan, facts: dict[str, SiteFacts]) -> tuple[list[Fix], list[Unplaced]]:
    """An entry for each published id that its page (or where the page now lands) no
    longer has, where locate_section finds it; the others unplaced."""
    fixes, unplaced = [], []
    for site, urls in sorted(inventory.items()):
        for url, ids in sorted(urls.items()):
            key = page_key(url)
            current = pages.get(site, {}).get(key)
            if current is not None:
                on, on_url = site, current
                forwarded = next((r.anchors for r in plan.redirects.get(site, []) if r.key == key and r.to is None), {})
            else:
                moved = _moved_to(plan, site, key)
                if moved is None or not moved.to.site or moved.to.anchor:
                    continue  # gone (the page pass says so), external, or sent to one section
                on, on_url, forwarded = moved.to.site, moved.to.url, moved.anchors
            page = facts.get(on, {}).get(on_url)
            if page is None:
                continue
            for anchor in sorted(ids - page.ids - set(forwarded)):
                placed = locate_section(on, on_url, anchor, facts)
                if placed is None:
                    unplaced.append(Unplaced(site, f"{url}#{anchor}", "no heading on any site has that id or its words; restore the id, or point it at the section that replaced it"))
                    continue
                found = placed.target
                target = found if on == site or ":" in found.partition("#")[0] else f"{on}:{found}"
                fixes.append(Fix(site, f"{url}#{anchor}", target, _section_reason(target, placed, anchor)))
    return fixes, unplaced


def _section_reason(target: str, placed: Placement, anchor: str) -> str:
    """Why the entry goes there; target as written under the site (other sites: `site:/path#id`)."""
    named, colon, rest = target.partition(":")
    other = colon and "/" not in named
    path = (rest if other else target).partition("#")[0]
    return placed.reason(anchor, f"{named}:{path}" if other else path)


def _as_fix(relocation: Relocation | None) -> Fix | None:
    return Fix(*relocation) if relocation is not None else None


def place_pages(repo: Repository, missing: list[tuple[str, str]], pages: Pages) -> tuple[list[Fix], list[Unplaced]]:
    """An entry for each gone URL: where git shows its source renamed first, then (a
    spec's URL) the site that has the spec now; the others unplaced."""
    fixes: dict[tuple[str, str], Fix] = {}
    unplaced = []
    in_git = in_git_work_tree(repo.root)
    for site, url in missing:
        fix = _as_fix(relocate_page(repo, site, url, pages))
        if fix is None and (on := spec_moved_to(site, url, pages)):
            source, _, target = folder_entry(site, spec_of(url), on).partition(": ")
            fix = Fix(site, source, target, f"the spec's page /specs/{spec_of(url)}/ is on {on} now; every URL of the spec moves with it")
        if fix is not None and fix.target:
            fixes.setdefault((fix.site, fix.source), fix)
        elif fix is not None:
            unplaced.append(Unplaced(site, url, fix.reason))
        elif not in_git:
            unplaced.append(Unplaced(site, url, "no page, and this is not a git work tree to find where it went; point it at the page that replaced it"))
        else:
            unplaced.append(Unplaced(site, url, "no page, and git shows its source neither renamed nor moved (a move made without git shows only once the new file is `git add`ed); point it at the page that replaced it"))
    return list(fixes.values()), unplaced


# --- the command ------------------------------------------------------------------

def _facts(repo: Repository, plan: Plan) -> dict[str, SiteFacts]:
    """Every site's page facts, from a production build into a temporary folder,
    taking over the unchanged pages of the last build into site/ (a default build)."""
    from specsites.commands.build import build_one_site, page_reuse_from, raise_if_failed
    from specsites.engines.mkdocs_plugin import BuildOptions
    from specsites.sources.sites import all_specs, base_urls

    options = BuildOptions(repo=repo, plan=plan, defer_site_checks=True)  # production URLs
    sites = list(repo.sites)
    reuse = page_reuse_from(repo.root / "site", repo, plan, base_urls(repo, []), all_specs(repo), sites)
    with tempfile.TemporaryDirectory(prefix="specsites-fix-") as out:
        results = map_forked(lambda s: build_one_site(str(s.config_file), str(Path(out) / s.name), replace(options, page_reuse=reuse[s.name])), sites)
    raise_if_failed(results)
    return {r.site: r.facts for r in results}


def _with(text: str, fixes: list[Fix], filename: str) -> str:
    for site in dict.fromkeys(f.site for f in fixes):
        text = add_entries(text, site, [(f.source, f.target) for f in fixes if f.site == site], filename)
    return text


def _plan(repo: Repository, text: str, pages: Pages, edited: bool = True) -> Plan:
    """The plan of a redirects.yml text, validated as a build validates it."""
    rules, problems = parse_redirects(text.encode("utf-8"), repo.names, repo.redirects_file.name)
    plan = plan_redirects(rules, pages, repo.redirects_file.name)
    if problems or plan.problems:
        raise SpecSitesError([Problem(p.file, p.line, f"{p.message}" + (" (in redirects.yml as the fixes would leave it; nothing was written)" if edited else "")) for p in problems + plan.problems])
    return plan


def repair_targets(repo: Repository, text: str, pages: Pages) -> tuple[str, list[Fix]]:
    """Entries whose target is no page, pointed where git shows that page's source
    renamed to (a page moved again without a redirect)."""
    rules, _ = parse_redirects(text.encode("utf-8"), repo.names, repo.redirects_file.name)
    wanted: dict[tuple[str, str], Fix] = {}
    for rule in rules:
        target = rule.target
        if target.external or target.path.endswith("*") or page_key(target.path) in pages.get(target.site, {}):
            continue
        if any(r.site == target.site and r.key == page_key(target.path) and not r.anchor and not r.is_folder for r in rules):
            continue  # a chain: the planner flattens it
        placed, _ = place_pages(repo, [(target.site, target.path)], pages)
        for fix in (f for f in placed if not f.source.endswith("*")):  # a page's target, not a folder's
            new_site, colon, path = fix.target.partition(":")
            on, new_path = (new_site, path) if colon else (target.site, fix.target)
            written = new_path if on == rule.site else f"{on}:{new_path}"
            anchor = f"#{target.anchor}" if target.anchor else ""
            source = rule.source + (f"#{rule.anchor}" if rule.anchor else "")
            wanted[(rule.site, source)] = Fix(rule.site, source, written + anchor, f"its target {target.path} is no page; {fix.reason}", changed=True)
    repaired = retarget(text, lambda e: wanted[(e.site, e.source)].target if (e.site, e.source) in wanted else None, filename=repo.redirects_file.name)
    return repaired, list(wanted.values())


def hand_moves(repo: Repository) -> list[list[tuple[str, str]]]:
    """Page sources git shows renamed in the work tree (a `git mv` by hand) whose old
    URL redirects.yml does not send anywhere yet: each page alone, a spec's source
    with its overview's files."""
    if not in_git_work_tree(repo.root):
        return []
    try:
        fields = git("diff", "-M", "--relative", "--name-status", "-z", "HEAD", cwd=repo.root).split("\0")
    except GitError:
        return []
    renames, i = [], 0
    while i < len(fields):
        if fields[i].startswith(("R", "C")) and i + 2 < len(fields):
            old, new = fields[i + 1], fields[i + 2]
            if fields[i].startswith("R") and locate(repo, old) and locate(repo, new) and (repo.root / new).is_file() and not (repo.root / old).exists():
                renames.append((old, new))
            i += 3
        else:
            i += 2
    path = repo.redirects_file
    entries = redirect_entries(path.read_text(encoding="utf-8"), path.name) if path.exists() else []
    redirected = {(e.site, page_key(e.source.partition("#")[0])) for e in entries if "#" not in e.source and not e.source.endswith("*")}
    folders = {(e.site, page_key(e.source[:-1])) for e in entries if e.source.endswith("/*")}

    def handled(old: str) -> bool:
        site, rel = locate(repo, old)
        key = page_key(md_to_html(rel))
        return (site, key) in redirected or any(site == s and (key == f or key.startswith(f + "/")) for s, f in folders)

    groups: list[list[tuple[str, str]]] = []
    taken: set[str] = set()
    for old, new in renames:
        parts = old.split("/")
        if parts[1] == SPECIFICATIONS and not handled(old):
            folder = f"{parts[0]}/docs/specs/{parts[2][:-3]}/"
            group = [(old, new)] + [(o, n) for o, n in renames if o.startswith(folder)]
            taken.update(o for o, _ in group)
            groups.append(group)
    groups += [[(old, new)] for old, new in renames if old not in taken and not handled(old)]
    return groups


def mend_hand_moves(repo: Repository) -> list[str]:
    """Make the edits `mv` would have made for each move made by hand; what was done."""
    lines = []
    for group in hand_moves(repo):
        plan = plan_moved(repo, group)
        if set(plan.texts) <= {repo.redirects_file}:
            continue  # links and nav already mended: the entries below say why they are written
        write_mended(repo, plan)
        rel = lambda p: p.relative_to(repo.root).as_posix()  # noqa: E731
        edited = ", ".join(rel(p) for p in sorted(plan.texts))
        lines.append(f"mended after git shows {group[0][0]} renamed to {group[0][1]}" + (f" (and {len(group) - 1} more files)" if len(group) > 1 else "") + f": edited {edited}")
        lines += [f"  redirects.yml: added under {entry}" for entry in plan.redirects] + [f"  {note}" for note in plan.notes]
    return lines


def fix_redirects(*, root: Path) -> FixReport:
    repo = load_repository(root)
    mended = mend_hand_moves(repo)  # links, nav and redirects as mv makes them, first: the build below needs them
    if mended:
        repo = load_repository(root)  # the navs it edited
    inventory = load_inventory(repo)
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    path = repo.redirects_file
    text = read_source_text(path, repo.root) if os.path.lexists(path) else ""
    repaired, target_fixes = repair_targets(repo, text, pages)
    plan = _plan(repo, repaired, pages, edited=repaired != text)

    page_fixes, unplaced = place_pages(repo, missing_pages(inventory, pages, plan), pages)
    page_fixes = target_fixes + page_fixes
    with_pages = _with(repaired, [f for f in page_fixes if f not in target_fixes], path.name)
    facts = _facts(repo, plan)
    id_fixes, unplaced_ids = place_ids(inventory, pages, _plan(repo, with_pages, pages), facts)
    final = _with(with_pages, id_fixes, path.name)
    _plan(repo, final, pages)
    report = FixReport(page_fixes + id_fixes, unplaced + unplaced_ids, mended)
    if final != text:
        write_file(repo.root, path, final)
    return report

"""Where git shows a gone URL's source went: the first answer of every "did you mean"
for a published URL that is no page now (check, check --fix), before the guesses of
redirects/relocate.py (the spec's new site, then spelling).

Reads git (machinery/git_utils.py); the entries it suggests are worked out from the
sites' pages, given.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from specsites.machinery.git_utils import GitError, git, git_rename
from specsites.redirects.relocate import folder_entry, spec_of
from specsites.sources.sites import SPECIFICATIONS, Repository, locate, md_to_html
from specsites.urls import page_key, page_url, served_forms

Pages = dict[str, dict[str, str]]  # site -> page key -> site-relative URL


class Relocation(NamedTuple):
    """An entry for redirects.yml: under `site:`, `source: target` (target "" when git
    shows the source went somewhere that is no page), and why."""

    site: str
    source: str
    target: str
    reason: str


def relocate_page(repo: Repository, site: str, url: str, pages: Pages) -> Relocation | None:
    """Where git shows the source of a gone URL renamed to: for a URL of a spec whose
    source was renamed (and that left no page under /specs/<id>/ behind), one folder
    move for all of its URLs, versions included; else the page its own source became.
    None when git shows no such rename (or this is no git work tree)."""
    if not in_git_work_tree(repo.root):
        return None
    spec = spec_of(url)
    if spec and not any(k == f"specs/{spec}" or k.startswith(f"specs/{spec}/") for k in pages.get(site, {})):
        old = f"{site}/{SPECIFICATIONS}/{spec}.md"
        found = None if (repo.root / old).exists() else git_rename(repo.root, old)
        place = locate(repo, found[0]) if found else None
        if found and place is not None and found[0].split("/")[1] == SPECIFICATIONS and page_key(md_to_html(place[1])) in pages.get(place[0], {}):
            new_spec = place[1].split("/")[1]
            source, _, target = folder_entry(site, spec, place[0], new_spec).partition(": ")
            return Relocation(site, source, target, f"git shows {old} renamed to {found[0]} {found[1]}; every URL of the spec, its versions included, moves with it")
    for candidate in source_candidates(site, page_key(url)):
        if (repo.root / candidate).exists():
            continue
        if found := git_rename(repo.root, candidate):
            new, since = found
            place = locate(repo, new)
            if place is None or page_key(md_to_html(place[1])) not in pages.get(place[0], {}):
                return Relocation(site, url, "", f"git shows {candidate} renamed to {new} {since}, which is no page of a site; point it at the page that replaced it")
            path = served_forms(page_url(md_to_html(place[1])))[0]
            return Relocation(site, url, path if place[0] == site else f"{place[0]}:{path}", f"git shows {candidate} renamed to {new} {since}")
    return None


def source_candidates(site: str, key: str) -> list[str]:
    """The repository files that once could have published site's page key."""
    stem = f"{site}/docs/"
    found = [f"{stem}index.md"] if key == "" else [f"{stem}{key}.md", f"{stem}{key}/index.md", f"{stem}{key}/README.md"]
    parts = key.split("/")
    if len(parts) == 2 and parts[0] == "specs":
        found.append(f"{site}/{SPECIFICATIONS}/{parts[1]}.md")  # the spec's page
    return found


def in_git_work_tree(root: Path) -> bool:
    try:
        return git("rev-parse", "--is-inside-work-tree", cwd=root) == "true"
    except (GitError, FileNotFoundError):
        return False

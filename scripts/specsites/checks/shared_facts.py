"""Every site's page facts and links, shared between the preview's site processes, so
each rebuild judges links and published ids with every site known, as
`specsites build` does.

Each process writes its site's facts to a file of the preview's private control
folder before it reads the others' (so of two sites built at once, at least one sees
the other), and judges the links from its pages, the links of the other sites into
it, and the published ids that land on its pages.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from specsites.checks.site_checks import LinkRef, PageFacts, SiteFacts, check_links, check_published_ids
from specsites.errors import Problem
from specsites.redirects.plan import Pages, Plan
from specsites.sources.inventory import Inventory


def facts_file(folder: Path, site: str) -> Path:
    return folder / f"facts-{site}.json"


def write_site_facts(folder: Path, site: str, facts: SiteFacts, links: list[LinkRef]) -> None:
    """One site's facts and links, replaced whole (a reader never sees half), and only when they changed."""
    data = {
        "facts": {url: {"source": f.source, "ids": sorted(f.ids), "headings": f.headings, "heading_lines": f.heading_lines} for url, f in facts.items()},
        "links": [[l.source, l.line, l.href, l.site, l.path, l.anchor] for l in links],
    }
    text = json.dumps(data)
    path = facts_file(folder, site)
    try:
        if path.read_text(encoding="utf-8") == text:
            return  # unchanged: the other sites are not woken (two failing sites would wake each other for ever)
    except OSError:
        pass
    draft = path.with_suffix(".new")
    draft.write_text(text, encoding="utf-8")
    os.replace(draft, path)


def read_site_facts(folder: Path, site: str) -> tuple[SiteFacts, list[LinkRef]] | None:
    """What another site's process last wrote; None before its first build."""
    try:
        data = json.loads(facts_file(folder, site).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    facts = {url: PageFacts(url, f["source"], frozenset(f["ids"]), dict(f["headings"]), {k: int(v) for k, v in f["heading_lines"].items()}) for url, f in data["facts"].items()}
    links = [LinkRef(str(s), int(n), str(h), str(t), str(p), str(a)) for s, n, h, t, p, a in data["links"]]
    return facts, links


def merge_page_edit(facts: SiteFacts, links: list[LinkRef], new_facts: SiteFacts, new_links: list[LinkRef]) -> tuple[SiteFacts, list[LinkRef]]:
    """A site's facts and links after a rebuild of some of its pages only."""
    edited = {f.source for f in new_facts.values()} | {l.source for l in new_links}
    kept = [l for l in links if l.source not in edited]
    return {**facts, **new_facts}, kept + list(new_links)


def problems_of_site(site: str, facts: dict[str, SiteFacts], links: dict[str, list[LinkRef]], pages: Pages, plan: Plan, production_urls: dict[str, str], inventory: Inventory) -> list[Problem]:
    """What `specsites build` would say that concerns this site, with every site's facts
    known (those not known yet: their anchors unchecked): its links, the other sites'
    links into it, and the published ids that land on its pages."""
    judged = list(links.get(site, [])) + [l for other, found in links.items() if other != site for l in found if l.site == site]
    problems = check_links(judged, facts, pages, plan, production_urls)
    own_sources = {f.source for f in facts.get(site, {}).values()}
    for on in pages:  # another site's published URL may land on this site's page
        found = check_published_ids(on, inventory, facts, pages, plan)
        problems += found if on == site else [p for p in found if p.file in own_sources]
    return list(dict.fromkeys(problems))

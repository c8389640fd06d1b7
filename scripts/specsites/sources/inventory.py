"""published-urls.yml: every page URL and section id each site has ever published.

Pure but for load_inventory: parse (with line numbers for errors), merge what a
publish put live (add only: nothing ever leaves the inventory), and dump in a
stable, diff-friendly form. Only publishing records (issue 12): a local build,
the preview or a test never writes it, so an experiment never becomes a demand.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from specsites.errors import Problem, SpecSitesError, unknown_site
from specsites.machinery.parsed_cache import cached
from specsites.urls import ID_PATTERN, PATH_PATTERN
from specsites.sources.source_files import read_source
from specsites.sources.yaml_nodes import compose, is_null, is_str, line

FILENAME = "published-urls.yml"
Inventory = dict[str, dict[str, set[str]]]  # site -> URL path ("/x", "/x/") -> section ids


HEADER = """\
# Every page URL and section id each site has ever published. Old links point at
# them, so `specsites check` and `specsites build` prove each one still lands on a
# page that has the id, directly or through redirects.yml. `specsites publish`
# records here what it put live (in a commit of its own); builds and previews never
# write this file. Nothing is ever removed: a page that goes away needs a redirect.
"""


def parse_inventory(data: bytes, site_names: list[str], filename: str = FILENAME) -> Inventory:
    root = compose(data, filename)
    inventory: Inventory = {}
    if root is None:
        return inventory
    if not isinstance(root, yaml.MappingNode):
        raise SpecSitesError(Problem(filename, line(root), "expected site folders mapping URL paths to lists of section ids"))
    problems: list[Problem] = []
    for site_node, urls in root.value:
        site = site_node.value if is_str(site_node) else None
        if site not in site_names:
            problems.append(Problem(filename, line(site_node), unknown_site(site_node.value, site_names)))
            continue
        if site in inventory:
            problems.append(Problem(filename, line(site_node), f"site {site} is listed twice; merge its URLs under one `{site}:`"))
            continue
        pages = inventory[site] = {}
        if is_null(urls):
            continue
        if not isinstance(urls, yaml.MappingNode):
            problems.append(Problem(filename, line(urls), f"expected URL paths under {site}:, like `/use-cases: [not-in-scope]`"))
            continue
        for url_node, ids_node in urls.value:
            url = url_node.value if is_str(url_node) else ""
            if not PATH_PATTERN.fullmatch(url) or url.endswith((".html", "*")):
                problems.append(Problem(filename, line(url_node), f"{url_node.value!r} is not a URL path as published, like /use-cases or /specs/"))
                continue
            if url in pages:
                problems.append(Problem(filename, line(url_node), f"{url} is listed twice under {site}; keep one"))
                continue
            ids: set[str] = set()
            if isinstance(ids_node, yaml.SequenceNode):
                for id_node in ids_node.value:
                    if is_str(id_node) and ID_PATTERN.fullmatch(id_node.value):
                        ids.add(id_node.value)
                    else:
                        problems.append(Problem(filename, line(id_node), f"{getattr(id_node, 'value', '?')!r} is not a section id; ids hold letters, digits and - _ . :"))
            elif not is_null(ids_node):
                problems.append(Problem(filename, line(ids_node), f"the ids of {url} must be a list, like [scope, use-cases]"))
            pages[url] = ids
    if problems:
        raise SpecSitesError(problems)
    return inventory


def merge(inventory: Inventory, published: Inventory) -> Inventory:
    merged = {site: {url: set(ids) for url, ids in pages.items()} for site, pages in inventory.items()}
    for site, pages in published.items():
        for url, ids in pages.items():
            merged.setdefault(site, {}).setdefault(url, set()).update(ids)
    return merged


def dump_inventory(inventory: Inventory) -> str:
    lines = [HEADER]
    for site in sorted(inventory):
        lines.append(f"{site}:")
        for url in sorted(inventory[site]):
            ids = sorted(inventory[site][url])
            lines.append(f"  {url}:" + ("" if ids else " []"))
            lines.extend(f"    - {i}" for i in ids)
    return "\n".join(lines) + "\n"


def load_inventory(repo) -> Inventory:
    """The repository's published-urls.yml (empty when there is none yet)."""
    path: Path = repo.root / FILENAME
    data = read_source(path, repo.root) if os.path.lexists(path) else b""
    return cached("inventory", (data, repo.names), lambda: parse_inventory(data, repo.names))


def unrecorded(inventory: Inventory, published: Inventory) -> dict[str, tuple[int, int]]:
    """Per site, how many URLs and ids a build publishes that the inventory lacks."""
    counts = {}
    for site, pages in published.items():
        known = inventory.get(site, {})
        new_urls = sum(1 for url in pages if url not in known)
        new_ids = sum(len(ids - known.get(url, set())) for url, ids in pages.items())
        counts[site] = (new_urls, new_ids)
    return counts

"""What readers see of the consortium around a page: the working-group sites, page
titles, and the known URLs the 404 page suggests from (issue 14).

Pure but for the two readers of source files (site_labels, page_titles). Every URL
here comes from the base URLs of the build, so a preview or staging copy links to
its own copies of the other sites.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from specsites.redirects.linker import Linker
from specsites.redirects.plan import Destination, Plan, Redirect
from specsites.sources.config import read_mkdocs_yml
from specsites.sources.sites import Repository, Site, added_sources, md_to_html, site_pages, site_specs
from specsites.urls import page_key

KNOWN_URLS_FILE = "specsites-known-urls.json"  # written beside 404.html
# The first level-one heading, without an attribute list like {#id}.
_TITLE = re.compile(r"^#[ \t]+(.+?)(?:[ \t]*\{[^}]*\})?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class SiteLabel:
    name: str  # the site's folder
    title: str  # its site_name
    short: str  # extra.short_name, or the site_name: what the switcher shows


def site_labels(repo: Repository) -> dict[str, SiteLabel]:
    """Each site's name as its own mkdocs.yml gives it (read, not built)."""
    labels = {}
    for site in repo.sites:
        config, _ = read_mkdocs_yml(site.config_file, f"{site.name}/mkdocs.yml")
        title = str(config.get("site_name") or site.name)
        extra = config.get("extra") if isinstance(config.get("extra"), dict) else {}
        labels[site.name] = SiteLabel(site.name, title, str(extra.get("short_name") or title))
    return labels


def site_order(folder: str) -> tuple[int, str]:
    """Working groups by their number (wg2 before wg10), whatever order the base
    mkdocs.yml lists them in; folders without a number last."""
    match = re.match(r"wg([0-9]+)(?:-|$)", folder)
    return (int(match.group(1)) if match else 1_000_000, folder)


def switcher_entries(repo: Repository, labels: dict[str, SiteLabel], linker: Linker) -> list[dict[str, str | bool]]:
    """The sites in the order of their working groups' numbers, each linked at the
    copy this build serves."""
    return [
        {
            "name": site.name,
            "title": labels[site.name].title,
            "short": labels[site.name].short,
            "home": linker.base_urls[site.name],
            "specs": linker.base_urls[site.name] + "specs/",
            "current": site.name == linker.site,
        }
        for site in sorted(repo.sites, key=lambda s: site_order(s.name))
    ]


def title_of(markdown: str, fallback: str) -> str:
    match = _TITLE.search(markdown)
    return match.group(1).strip() if match else fallback


def page_titles(repo: Repository, site_name: str) -> dict[str, str]:
    """Page key -> the title its Markdown source gives (its first `# ` heading)."""
    site = repo.site(site_name)
    own = {p.relative_to(site.docs_dir).as_posix(): p for p in site.docs_dir.rglob("*.md")}
    sources = {**added_sources(repo, site), **own}
    titles = {}
    for rel, path in sources.items():
        key = page_key(md_to_html(rel))
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        titles[key] = title_of(text, key or site.name)
    specs, _ = site_specs(repo, site)  # a spec's title is its metadata's (spec_meta)
    titles.update({page_key(md_to_html(spec.page)): spec.name for spec in specs})
    return titles


def known_urls(repo: Repository, site_name: str, plan: Plan, linker: Linker,
               titles: dict[str, dict[str, str]]) -> list[list[str]]:
    """[path, title, href] for every URL this site serves or ever published, for the
    404 page's "did you mean": its pages and its moved pages. (Every URL of
    published-urls.yml is one or the other: `specsites check` proves it.)

    The path is the key of the URL (see urls.page_key), the href where it lands in
    this build, so a suggestion skips the redirect.
    """
    pages = site_pages(repo, repo.site(site_name))
    base = linker.base_urls[site_name]
    found: dict[str, list[str]] = {}
    for key, url in pages.items():
        found[key] = [key, titles.get(site_name, {}).get(key, key), base + url]
    landings: dict[Destination, tuple[str, str]] = {}  # thousands of moved pages share a few hundred
    for redirect in plan.moved(site_name):
        to = redirect.to
        if to is None or redirect.key in found:
            continue
        landing = landings.get(to)
        if landing is None:
            title = titles.get(to.site, {}).get(page_key(to.url), to.url) if to.site else to.url
            landing = landings[to] = (title, linker.absolute(to))
        found[redirect.key] = [redirect.key, *landing]
    return [found[k] for k in sorted(found)]


def reader_extra(repo: Repository, site: Site, labels: dict[str, SiteLabel], linker: Linker) -> dict:
    """What the overrides (docs/overrides) read as `config.extra.specsites`: the
    banner's host and link, the switcher's sites, where the 404 page's index is."""
    return {
        # The banner script compares the browser's host with this one (overrides/main.html).
        "production_host": site.production_host,
        "site": site.name,
        "sites": switcher_entries(repo, labels, linker),
        # The banner links to the production site even in a copy whose other links
        # were moved to the copy (the script sets it: the copy rewriting leaves scripts alone).
        "production_url": site.production_url,
        # A path, not a URL: the 404 page fetches it from wherever it is served.
        "known_urls": urlsplit(linker.base_urls[site.name]).path + KNOWN_URLS_FILE,
    }


def known_urls_file(repo: Repository, site_name: str, plan: Plan, linker: Linker, titles: dict[str, dict[str, str]]) -> dict[str, str]:
    """The 404 page's "did you mean" index: a file of its own, fetched only on a
    miss, so a site with thousands of moved pages keeps a small 404 page."""
    known = known_urls(repo, site_name, plan, linker, titles)
    return {KNOWN_URLS_FILE: json.dumps(known, ensure_ascii=True, separators=(",", ":")) + "\n"}


def destination_title(redirect: Redirect, site_name: str, titles: dict[str, dict[str, str]], labels: dict[str, SiteLabel]) -> str:
    """The title of the page a redirect lands on, for its redirect page (with the
    other site's name when it leaves this one)."""
    to = redirect.to
    if to is None or not to.site:
        return ""
    title = titles.get(to.site, {}).get(page_key(to.url), "")
    label = labels.get(to.site)
    return f"{title} - {label.title}" if title and label and to.site != site_name else title

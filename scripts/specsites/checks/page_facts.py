"""What one rendered page holds for the site checks, and what is wrong in it alone.

Engine-neutral: the page's HTML, its source text and its sections as (level, id,
title) in; PageFacts, LinkRefs and Problems out. The checks across pages and sites
are site_checks.py's.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from specsites.checks.page_html import id_values
from specsites.checks.site_checks import (
    LinkRef, PageFacts, check_links, check_published_ids, line_of_heading, line_of_id, line_of_text, links_to_sites, unclosed_attributes,
)
from specsites.errors import Problem
from specsites.redirects.plan import Plan
from specsites.sources.inventory import Inventory
from specsites.sources.sites import Repository, site_pages

Section = tuple[int, str, str]  # heading level, id, title


def page_facts(html_text: str, url: str, shown: str, source: str, sections: Iterable[Section], historic: bool = False) -> tuple[PageFacts, list[Problem]]:
    """The page's ids and section headings (with their source lines), and an id used
    twice; a historic page (an old version) is not told what it cannot fix."""
    ids = id_values(html_text)
    problems, seen = [], set()
    for id_ in ids:
        if id_ in seen and not historic:
            problems.append(Problem(shown, line_of_id(source, id_, 1) or line_of_id(source, id_), f"the id '{id_}' is used twice in this page; give each section its own id"))
        seen.add(id_)
    # Section ids only: a page's title (h1) is not a place people link to.
    sections = [s for s in sections if s[0] > 1]
    return PageFacts(
        url, shown, frozenset(ids),
        {id_: title for _, id_, title in sections},
        {id_: line_of_heading(source, id_, title) for _, id_, title in sections},
    ), problems


def page_links(html_text: str, shown: str, source: str, production_urls: dict[str, str]) -> list[LinkRef]:
    """The page's links to our sites' production URLs, each with its source line."""
    return [
        LinkRef(shown, line_of_text(source, href) if href in source else line_of_text(source, href.partition("#")[0]), href, site, path, anchor)
        for href, site, path, anchor in links_to_sites(html_text, production_urls)
    ]


def unclosed_problems(source: str, shown: str) -> list[Problem]:
    """An unclosed `{#id`: Markdown shows it as text and the heading has no such id."""
    return [
        Problem(shown, number, f"'{text}' is not closed, so the heading shows it as text and has no such id; close it like {text.split()[0].rstrip('}')}}}")
        for number, text in unclosed_attributes(source)
    ]


def one_site_problems(repo: Repository, site: str, links: list[LinkRef], facts: dict[str, PageFacts], plan: Plan, inventory: Inventory) -> list[Problem]:
    """The site checks one site's build can make alone: its links to every site's
    pages (ids of its own only) and its published ids."""
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    production = {s.name: s.production_url for s in repo.sites}
    problems = check_links(links, {site: facts}, pages, plan, production)
    return problems + check_published_ids(site, inventory, {site: facts}, pages, plan)


_HEADING = re.compile(r'<h([1-6])\b[^>]*\bid="([^"]*)"[^>]*>(.*?)</h\1>', re.DOTALL)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def html_sections(content: str) -> list[Section]:
    """The headings of rendered page content with their ids, as (level, id, title):
    the sections of an engine that hands back only HTML. With the toc extension's
    permalinks on (the base mkdocs.yml's), the headings Markdown made carry one; a
    heading written as HTML in the page does not and, as in MkDocs' table of
    contents, is no section."""
    found = _HEADING.findall(content)
    if any(_PERMALINK.search(inner) for _, _, inner in found):
        found = [h for h in found if _PERMALINK.search(h[2])]
    return [(int(level), html.unescape(id_), html.unescape(_TAG.sub("", _PERMALINK.sub("", inner))).strip()) for level, id_, inner in found]

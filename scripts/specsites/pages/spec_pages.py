"""Spec pages: a spec's title, header and lists around its source, and the tables
other pages ask for with a marker (the specs table, the moved specifications).

Engine-neutral: Markdown in, Markdown out, so MkDocs' plugin and the prepared folder
of another engine make the same page.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from specsites.pages.moved_specs import MOVED_SPECS_MARKER, moved_specs_html
from specsites.pages.readers import SiteLabel
from specsites.pages.spec_header import Publisher, spec_page_top
from specsites.pages.versions import Version
from specsites.redirects.linker import Linker
from specsites.redirects.plan import Plan
from specsites.sources.sites import Repository
from specsites.sources.spec_meta import OTHER_DRAFTS_MARKER, SPECS_TABLE_MARKER, SpecMeta, other_drafts, specs_table

DRAFT_NOTICE = "This is a working draft. It may change in incompatible ways before it is published as a final specification."


@dataclass(frozen=True)
class SpecPage:
    markdown: str
    title: str  # the browser's title: "CDSC-WG1-01 Server Metadata"
    edit_url: str | None  # the source's URL in the repository, when source_url is set


def spec_of_page(specs: list[SpecMeta], site: str, docs_path: str) -> SpecMeta | None:
    """The spec published at docs_path (specs/<id>/index.md) of a site, if any."""
    return next((s for s in specs if s.site == site and s.page == docs_path), None)


def spec_page(markdown: str, spec: SpecMeta, specs: list[SpecMeta], versions: list[Version], publisher: Publisher,
              production_urls: dict[str, str], source: str, last_changed: str, source_url: str | None) -> SpecPage:
    """A spec's page from its source's Markdown: its title, version selector and
    standards header (spec_header.py; last updated: last_changed), a link to the
    source (source: its path in the repository), the draft notice, and the other
    drafts where the source marks them."""
    parts = [spec_page_top(spec, publisher, None, versions, last_changed or spec.date)]
    edit_url = None
    if source_url:
        edit_url = source_url + source
        parts.append(f'<p class="specsites-source">Source: <a href="{html.escape(edit_url)}">{html.escape(source)}</a></p>\n')
    if spec.status == "Draft":
        summary = " A plain-language summary is available in the [overview](overview.md)." if spec.has_overview else ""
        parts.append(f'!!! warning "Draft"\n    {DRAFT_NOTICE}{summary}\n')
    body = markdown.replace(OTHER_DRAFTS_MARKER, other_drafts(spec, specs, production_urls))
    return SpecPage("\n".join(parts) + "\n" + body, spec.name, edit_url)


def with_specs_table(markdown: str, own_specs: list[SpecMeta], docs_path: str) -> str:
    """The site's specs table where the page marks it."""
    if SPECS_TABLE_MARKER not in markdown:
        return markdown
    return markdown.replace(SPECS_TABLE_MARKER, specs_table(own_specs, docs_path))


def with_moved_specs(markdown: str, plan: Plan, repo: Repository, linker: Linker, output_file: str, labels: dict[str, SiteLabel]) -> str:
    """The moved-specifications list where the page marks it."""
    if MOVED_SPECS_MARKER not in markdown:
        return markdown
    return markdown.replace(MOVED_SPECS_MARKER, moved_specs_html(plan, repo, linker, output_file, labels))

"""One site's build as any engine runs it: what it reads and plans before rendering.

Engine-neutral: the MkDocs plugin opens a site here in `on_config` and plans it in
`on_pre_build`; the Zensical adapter does both before it writes the prepared folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from specsites.errors import Problem, SpecSitesError
from specsites.pages.readers import SiteLabel, page_titles, site_labels
from specsites.pages.spec_header import Publisher, publisher_of
from specsites.pages.version_diff import section_renderer
from specsites.redirects.linker import Linker
from specsites.redirects.plan import Plan, Redirect, load_plan
from specsites.sources.inventory import Inventory, load_inventory
from specsites.sources.sites import Repository, Site, SpecVersions, all_specs, site_pages, spec_versions
from specsites.sources.spec_meta import SpecMeta
from specsites.urls import url_file


@dataclass
class SiteContext:
    """What every feature of one site's build reads: the repository, where each site
    is served, every spec and its versions, the sites' labels; and, once planned,
    the redirects, the inventory and every site's page titles."""

    repo: Repository
    site: Site
    linker: Linker
    specs: list[SpecMeta]  # every site's
    versions: SpecVersions
    labels: dict[str, SiteLabel]
    plan: Plan | None = None
    inventory: Inventory = field(default_factory=dict)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)  # site -> page key -> title
    # Pages that stay but had sections moved out, by output file: they get an anchor script.
    section_redirects: dict[str, Redirect] = field(default_factory=dict)
    # From the engine's configuration (with_page_config): who publishes the specs, and
    # a section's Markdown rendered with the site's extensions (for changes pages).
    publisher: Publisher | None = None
    render_section: Callable[[str], str] | None = None

    @property
    def name(self) -> str:
        return self.site.name

    @property
    def base_url(self) -> str:
        """Where this site is served in this build."""
        return self.linker.base_urls[self.site.name]

    @property
    def production_urls(self) -> dict[str, str]:
        return {s.name: s.production_url for s in self.repo.sites}

    @property
    def own_specs(self) -> list[SpecMeta]:
        return [s for s in self.specs if s.site == self.site.name]

    @property
    def is_production(self) -> bool:
        return self.base_url == self.site.production_url


def served_urls(repo: Repository, site_name: str, base_urls: dict[str, str] | None, configured: str | None) -> dict[str, str]:
    """Where each site is served: production, or the copies base_urls names; this
    site at `configured` (the engine's site_url) when that is neither, as `mkdocs
    serve` sets its own address."""
    urls = {s.name: s.production_url for s in repo.sites}
    urls.update((name, url) for name, url in (base_urls or {}).items() if name in urls)
    if urls[site_name] == repo.site(site_name).production_url and configured and configured.rstrip("/") + "/" != urls[site_name]:
        urls[site_name] = configured.rstrip("/") + "/"
    return urls


def open_site(repo: Repository, config_file: str, base_urls: dict[str, str] | None = None,
              specs: list[SpecMeta] | None = None, configured_url: str | None = None) -> SiteContext:
    """The site whose mkdocs.yml is config_file, with every spec and version read;
    SpecSitesError when the site is not listed or a spec or tag does not read."""
    name = Path(config_file).resolve().parent.name
    if name not in repo.names:
        raise SpecSitesError(Problem(config_file, 0, f"this site is not listed under the specsites plugin's sites in the base mkdocs.yml; add {name}"))
    linker = Linker(name, served_urls(repo, name, base_urls, configured_url))
    specs = specs if specs is not None else all_specs(repo)
    versions, problems = spec_versions(repo, specs)
    if problems:
        raise SpecSitesError(problems)
    return SiteContext(repo, repo.site(name), linker, specs, versions, site_labels(repo))


def plan_site(context: SiteContext, plan: Plan | None = None, inventory: Inventory | None = None) -> SiteContext:
    """The redirects (planned here unless given), the inventory and every site's
    page titles, set on the context; SpecSitesError on a bad map or inventory."""
    context.plan = plan or load_plan(context.repo)
    context.inventory = inventory if inventory is not None else load_inventory(context.repo)
    own = site_pages(context.repo, context.site)
    context.section_redirects = {url_file(own[r.key]): r for r in context.plan.section_moves(context.name)}
    context.titles = {s.name: page_titles(context.repo, s.name) for s in context.repo.sites}
    return context


def with_page_config(context: SiteContext, extra: dict, repo_url: str | None, extensions: list[str], extension_configs: dict) -> SiteContext:
    """Set what spec and version pages read from the site's configuration: its
    `extra:` (consortium, license), its repository, its Markdown extensions."""
    context.publisher = publisher_of(context.base_url, extra, repo_url)
    context.render_section = section_renderer(extensions, extension_configs)
    return context

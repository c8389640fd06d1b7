"""The MkDocs plugin: each site's shared pages, spec sources, banner and redirects.

Event glue only; the work is in the modules it calls. It lives in a plugin so that a
plain `mkdocs build -f <site>/mkdocs.yml` or `mkdocs serve` does everything the
`specsites` command does for one site.
"""
from __future__ import annotations

import html
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from specsites.sources.config import SpecSitesConfig
from specsites.errors import Problem, SpecSitesError
from specsites.redirects.linker import Linker
from specsites.redirects.folders import PreviousOutput, RedirectFiles, Reuse, occupied_folders, plan_reuse, redirect_files
from specsites.redirects.page import anchor_script, redirect_page_files
from specsites.redirects.plan import Plan, Redirect, collector_paused, load_plan
from specsites.redirects.server_rules import server_rule_files
from specsites.machinery.output_files import reuse_leftovers, write_generated_files
from specsites.urls import page_key, page_url, served_forms, url_file
from specsites.sources.sites import Repository, added_sources, all_specs, load_repository, shared_assets, site_pages, watched_paths
from specsites.pages.moved_specs import MOVED_SPECS_MARKER, moved_specs_html
from specsites.machinery.git_utils import last_changed
from specsites.sources.spec_meta import OTHER_DRAFTS_MARKER, SPECS_TABLE_MARKER, SpecMeta, nav_with_specs, other_drafts, parse_spec_meta, spec_heading, specs_table
from specsites.sources.sites import SpecVersions, md_to_html, spec_versions
from specsites.pages.versions import LATEST_IDS, Version, absolute_links, changes_page_markdown, split_source, version_header, version_list, version_page_markdown
from specsites.engines import nav_cache
from specsites.engines.page_reuse import PageReuse
from specsites.pages import version_cache
from specsites.sources.inventory import Inventory, load_inventory
from specsites.checks.page_html import id_values
from specsites.pages.readers import KNOWN_URLS_FILE, SiteLabel, known_urls, page_titles, site_labels, switcher_entries
from specsites.checks.site_checks import (
    LinkRef, PageFacts, check_links, check_published_ids, line_of_heading, line_of_id, line_of_text, links_to_sites, unclosed_attributes,
)

PLUGIN_LOGGER = "mkdocs.plugins.specsites"
log = logging.getLogger(PLUGIN_LOGGER)


class PluginProblems(PluginError):
    """Bad input the plugin found: its problems, kept as Problem values so that
    `specsites` prints them as they are (MkDocs prints the message)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _problems(error: SpecSitesError) -> PluginProblems:
    return PluginProblems(error.problems)


@dataclass
class BuildOptions:
    """What `specsites` hands one site's build (SpecSitesPlugin.configure): what it
    already read or planned once for every site, and how this build runs. A plain
    `mkdocs build` or `mkdocs serve` builds with the defaults: it reads and plans
    everything itself, for production URLs (or the address `mkdocs serve` gives)."""

    repo: Repository | None = None  # the repository as the caller read it
    base_urls: dict[str, str] | None = None  # site -> where it is served (preview, staging); None: production
    plan: Plan | None = None  # redirects.yml planned for every site
    specs: list[SpecMeta] | None = None  # every site's spec metadata
    inventory: Inventory | None = None  # published-urls.yml
    # Leave the links to our sites and the published ids to the caller, which checks
    # them once every site is built (it knows every site's ids; one site's build does not).
    defer_site_checks: bool = False
    bytecode_cache: object = None  # a jinja2 BytecodeCache kept across builds (the preview)
    # Each page's title and metadata by docs path from the last full build, for the
    # nav of a dirty build, which reads only the edited pages.
    page_state: dict[str, dict] = field(default_factory=dict)
    nav_cache: bool = True  # Material's navigation rendered once per folder (nav_cache.py)
    # The site's last output, whose unchanged redirect folders the caller moves into
    # this one instead of having them written (redirect_folders.py); None: write all.
    previous: PreviousOutput | None = None
    # The pages the previous build recorded, whose rendering this one may take over
    # (page_reuse.py; specsites build only); None: render every page.
    page_reuse: PageReuse | None = None


class SpecSitesPlugin(BasePlugin[SpecSitesConfig]):
    def __init__(self) -> None:
        self.options = BuildOptions()
        self.dirty = False  # MkDocs' --dirty (on_startup), or the preview's page-only rebuild
        # What this instance last wrote besides the pages: with on_startup, MkDocs keeps
        # one instance across the rebuilds of `mkdocs serve`, and the preview across its own.
        self._written: tuple[Path, Plan | None, dict[str, str]] | None = None
        self._kept_state: dict[str, dict[str, dict]] = {}  # site -> its page_state, for the next dirty build
        self._reset()

    def configure(self, options: BuildOptions) -> None:
        """Set how the next build runs (before MkDocs' build); see BuildOptions."""
        self.options = options

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # What MkDocs' command line already says: whether this is a dirty build.
        # Having this method also makes MkDocs keep this instance across rebuilds.
        self.dirty = dirty

    def on_build_error(self, *, error: Exception) -> None:
        if isinstance(error, PluginProblems):
            self.errors = list(error.problems)

    def _reset(self) -> None:
        """Per-build state, fresh for every build of this (persistent) instance."""
        self.repo: Repository | None = None
        self.site_name = ""
        self.linker: Linker | None = None
        self.plan: Plan | None = None
        self.spec_sources: dict[str, Path] = {}
        self.specs: list = []  # every site's SpecMeta
        self.versions: SpecVersions | None = None
        # Version pages: docs path -> (what the page shows, its cache key); those found
        # in the cache are not rendered but written from it, by output path.
        self.version_pages: dict[str, tuple[str, str]] = {}
        self.cached_versions: dict[str, dict] = {}
        self.section_redirects: dict[str, Redirect] = {}
        self.page_files: set[str] = set()
        self.published: dict[str, list[str]] = {}  # published URL -> section ids, for the inventory
        self.stats: dict[str, int] = {}
        self.redirect_files = RedirectFiles()  # this build's redirect folders, for the next to reuse
        self.reuse = Reuse()  # what to take from the previous output instead of writing it
        self._generated: tuple[dict[str, str], dict[str, str]] | None = None  # made while pages render
        self.inventory: Inventory = {}
        self.facts: dict[str, PageFacts] = {}  # site-relative page URL -> its ids and headings
        self.links: list[LinkRef] = []  # links to our sites' production URLs
        self.production_urls: dict[str, str] = {}  # site -> production base URL
        # Each page's title and metadata by docs path: handed in from the last full
        # build, updated by this one (for dirty rebuilds).
        self.page_state: dict[str, dict] = {}
        self.warnings: list[Problem] = []  # the problems this build logged as warnings
        self.errors: list[Problem] = []  # the problems that stopped it (on_build_error)
        # Issue 14, what readers see around a page: each site's name and page titles.
        self.labels: dict[str, SiteLabel] = {}
        self.titles: dict[str, dict[str, str]] = {}

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._reset()
        options = self.options
        try:
            self.repo = options.repo or load_repository(Path(config.config_file_path).resolve().parent / self.config.root)
        except SpecSitesError as e:
            raise _problems(e) from e
        self.site_name = Path(config.config_file_path).resolve().parent.name
        if self.site_name not in self.repo.names:
            raise PluginProblems([Problem(config.config_file_path, 0, f"this site is not listed under the specsites plugin's sites in the base mkdocs.yml; add {self.site_name}")])
        site = self.repo.site(self.site_name)
        self.page_state = dict(options.page_state or self._kept_state.get(site.name, {}))
        urls = {s.name: s.production_url for s in self.repo.sites}
        urls.update((name, url) for name, url in (options.base_urls or {}).items() if name in urls)
        if urls[site.name] != site.production_url:
            config.site_url = urls[site.name]
        elif config.site_url and config.site_url.rstrip("/") + "/" != site.production_url:
            urls[site.name] = config.site_url.rstrip("/") + "/"  # `mkdocs serve` sets its own address
        self.linker = Linker(site.name, urls)
        self.production_urls = {s.name: s.production_url for s in self.repo.sites}
        try:
            self.specs = options.specs if options.specs is not None else all_specs(self.repo)
            self.versions, problems = spec_versions(self.repo, self.specs)
        except SpecSitesError as e:
            raise _problems(e) from e
        if problems:
            raise PluginProblems(problems)
        config.nav = nav_with_specs(config.nav, [s for s in self.specs if s.site == site.name])
        # The banner script compares the browser's host with this one (overrides/main.html).
        config.extra["specsites"] = {"production_host": site.production_host, "site": site.name}
        snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
        snippets["base_path"] = [str(self.repo.shared_docs / "snippets")]
        self._readers_config(config)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        # Everything is checked here, before MkDocs cleans or writes the output folder.
        assert self.repo is not None
        try:
            plan = self.options.plan or load_plan(self.repo)
            self.inventory = self.options.inventory if self.options.inventory is not None else load_inventory(self.repo)
        except SpecSitesError as e:
            raise _problems(e) from e
        own_lines = {r.line for r in plan.moved(self.site_name)}
        for note in plan.notes:
            if note.line in own_lines:
                log.info(str(note))
        self.plan = plan
        # Pages that stay but had sections moved out: they get a script for the old anchors.
        own = site_pages(self.repo, self.repo.site(self.site_name))
        self.section_redirects = {url_file(own[r.key]): r for r in plan.moved(self.site_name) if r.to is None}
        self._readers_pre_build(config)

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.repo is not None
        site = self.repo.site(self.site_name)
        added = added_sources(self.repo, site)
        self.spec_sources = {rel: p for rel, p in added.items() if p.parent == site.specifications_dir}
        for rel, path in added.items():
            files.append(File.generated(config, rel, abs_src_path=str(path)))
        for rel in shared_assets(self.repo):
            if files.get_file_from_path(rel) is None:
                files.append(File.generated(config, rel, abs_src_path=str(self.repo.shared_docs / rel)))
        self._add_versions(files, config)
        self.page_files = {f.dest_uri for f in files}
        return files

    def on_nav(self, nav, config: MkDocsConfig, files: Files):
        # A dirty build reads only the edited pages, so every other page of the nav has
        # no title (its title comes from its h1: the theme prints "None") and no
        # metadata (a spec's status badge). Give them what the full build found.
        # (Only a dirty build leaves pages unread: MkDocs' --dirty or the preview's.)
        for page in nav.pages:
            state = self.page_state.get(page.file.src_uri)
            if page.markdown is None and state is not None:
                page.title = state["title"]
                page.meta = dict(state["meta"])
        return nav

    def _add_versions(self, files: Files, config: MkDocsConfig) -> None:
        """Each tagged version's page and changes page: rendered when the cache does
        not hold them as they would come out now, else written from it afterwards.

        The cache key is made of the page's inputs (the frame, the blobs, the version
        list), so a hit costs no Markdown work at all, not even the diff."""
        assert self.repo is not None and self.versions is not None and self.linker is not None
        self.version_pages, self.cached_versions = {}, {}
        own = [s for s in self.specs if s.site == self.site_name and self.versions.versions.get(s.slug)]
        if not own:
            return
        frame = version_frame(self.repo, self.specs, self.linker.base_urls)
        for spec in own:
            versions = self.versions.versions[spec.slug]
            listed = [(v.tag, v.blob) for v in versions]
            for index, version in enumerate(versions):
                previous = versions[index - 1].blob if index else ""
                for kind, path, inputs in (("page", version.page, listed), ("changes", version.changes_page, previous)):
                    key = version_cache.version_key(frame, kind, version.tag, version.blob, inputs)
                    entry = version_cache.load(key)
                    if entry is not None:
                        self.cached_versions[md_to_html(path)] = {**entry, "spec": spec.slug}
                        continue
                    markdown = self._version_markdown(spec, versions, index, kind)
                    self.version_pages[path] = (f"{version.source} at tag {version.tag}", key)
                    files.append(File.generated(config, path, content=markdown, inclusion=InclusionLevel.NOT_IN_NAV))

    def _version_markdown(self, spec: SpecMeta, versions: list[Version], index: int, kind: str) -> str:
        """The Markdown of a version's page, or of its changes page."""
        assert self.repo is not None and self.versions is not None and self.linker is not None
        base = self.linker.base_urls[self.site_name]
        production = self.production_urls
        version = versions[index]
        if kind == "changes":
            previous = (versions[index - 1], self._version_body(versions[index - 1])[1]) if index else None
            return changes_page_markdown(spec, version, previous, self._version_body(version)[1], base)
        front, body = self._version_body(version)
        others = absolute_links(other_drafts(spec, self.specs, production), spec.page, base)
        lists = version_list(spec, base, version, versions) + "\n" + others
        meta = _meta_at(self.versions.texts[version.blob], front, spec, version)
        return version_page_markdown(meta, spec, version, versions, body, base, lists)

    def _version_body(self, version: Version) -> tuple[str, str]:
        """A version's front matter and body, its relative links made absolute URLs of
        the pages they named on the site it was published on."""
        assert self.repo is not None and self.versions is not None and self.linker is not None
        base = self.linker.base_urls[self.site_name]
        front, body = split_source(self.versions.texts[version.blob])
        old_site = version.source.split("/", 1)[0]
        tag_slug = version.tag.split("/", 1)[0]
        return front, absolute_links(body, f"specs/{tag_slug}/index.md", self.linker.base_urls.get(old_site, base))

    def on_env(self, env, config: MkDocsConfig, files: Files):
        if self.options.bytecode_cache is not None:
            env.bytecode_cache = self.options.bytecode_cache
        if self.options.nav_cache:
            nav_cache.install(env)
        return env

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.repo is not None and self.plan is not None and self.linker is not None
        source = self.spec_sources.get(page.file.src_uri)
        if source is not None:
            markdown = self._spec_page(markdown, page, source)
        if SPECS_TABLE_MARKER in markdown:
            markdown = markdown.replace(SPECS_TABLE_MARKER, specs_table([s for s in self.specs if s.site == self.site_name], page.file.src_uri))
        # A tagged version's text is history: what it got wrong cannot be fixed there.
        historic = page.file.src_uri in self.version_pages
        for number, text in [] if historic else unclosed_attributes(_source_text(page)):
            self._warn(Problem(self._shown(page), number, f"'{text}' is not closed, so the heading shows it as text and has no such id; close it like {text.split()[0].rstrip('}')}}}"))
        if MOVED_SPECS_MARKER in markdown:
            markdown = markdown.replace(MOVED_SPECS_MARKER, moved_specs_html(self.plan, self.repo, self.linker, page.file.dest_uri, self.labels))
        return markdown

    def _spec_page(self, markdown: str, page: Page, source: Path) -> str:
        """A spec's title, header and lists, from its metadata (spec_meta)."""
        assert self.repo is not None and self.linker is not None
        spec = next(s for s in self.specs if s.site == self.site_name and s.page == page.file.src_uri)
        page.meta["title"] = spec.name  # the browser's title: "CDSC-WG1-01 Server Metadata"
        rel = source.relative_to(self.repo.root).as_posix()
        latest = self.linker.base_urls[self.site_name] + f"specs/{spec.slug}/"
        assert self.versions is not None
        versions = self.versions.versions.get(spec.slug, [])
        base = self.linker.base_urls[self.site_name]
        parts = [spec_heading(spec), version_header(spec, base, None, versions, last_changed(self.repo.root, rel) or spec.date)]
        if self.config.source_url:
            page.edit_url = self.config.source_url + rel
            parts.append(f'<p class="specsites-source">Source: <a href="{html.escape(page.edit_url)}">{html.escape(rel)}</a></p>\n')
        if spec.status == "Draft":
            summary = " A plain-language summary is available in the [overview](overview.md)." if spec.has_overview else ""
            parts.append(f'!!! warning "Draft"\n    This is a working draft. It may change in incompatible ways before it is published as a final specification.{summary}\n')
        production = self.production_urls
        lists = version_list(spec, base, None, versions) + "\n" + other_drafts(spec, self.specs, production)
        body = markdown.replace(OTHER_DRAFTS_MARKER, lists)
        return "\n".join(parts) + "\n" + body

    def on_page_content(self, html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.repo is not None
        source, shown = _source_text(page), self._shown(page)
        ids = id_values(html_text)
        seen: set[str] = set()
        for id_ in ids:
            if id_ in seen and page.file.src_uri not in self.version_pages:
                self._warn(Problem(shown, line_of_id(source, id_, 1) or line_of_id(source, id_), f"the id '{id_}' is used twice in this page; give each section its own id"))
            seen.add(id_)
        sections = [item for item in _walk_toc(page.toc) if item.level > 1]
        url = page_url(page.file.dest_uri)
        self.facts[url] = PageFacts(
            url, shown, frozenset(ids),
            {item.id: item.title for item in sections},
            {item.id: line_of_heading(source, item.id, item.title) for item in sections},
        )
        production = self.production_urls
        if page.file.src_uri in self.version_pages:
            return html_text  # an old text's links are as they were; the redirects keep them working
        for href, site, path, anchor in links_to_sites(html_text, production):
            self.links.append(LinkRef(shown, line_of_text(source, href) if href in source else line_of_text(source, href.partition("#")[0]), href, site, path, anchor))
        return html_text

    def _warn(self, problem: Problem) -> None:
        """A problem MkDocs counts as a warning (strict: the build fails), kept as a value."""
        self.warnings.append(problem)
        log.warning(str(problem))

    def _shown(self, page: Page) -> str:
        """The page's source file as an editor finds it, relative to the repository."""
        assert self.repo is not None
        if page.file.src_uri in self.version_pages:
            return self.version_pages[page.file.src_uri][0]
        path = Path(page.file.abs_src_path or "")
        return path.relative_to(self.repo.root).as_posix() if path.is_relative_to(self.repo.root) else path.as_posix()

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        url = served_forms(page_url(page.file.dest_uri))[0]
        # Section ids only: a page's title (h1; level is the heading level despite
        # MkDocs' docstring) is not a place people link to.
        self.published[url] = [item.id for item in _walk_toc(page.toc) if item.level > 1]
        self.page_state[page.file.src_uri] = {"title": page.title, "meta": dict(page.meta)}
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        assert self.plan is not None and self.linker is not None and self.repo is not None
        redirect = self.section_redirects.get(page.file.dest_uri)
        if redirect is not None:
            output = output.replace("</head>", anchor_script(redirect, self.linker) + "</head>", 1)
        # Links written to other sites' production URLs follow them to a preview or staging copy.
        for site in self.repo.sites:
            copy = self.linker.base_urls[site.name]
            if copy != site.production_url:
                output = output.replace(f'href="{site.production_url}', f'href="{copy}')
                # A link that shows its URL (`<https://...>` in a spec: "Latest version")
                # shows the copy's URL too, not production's.
                output = re.sub(f'(<a href="{re.escape(copy)}[^"]*"[^>]*>){re.escape(site.production_url)}', lambda m: m.group(1) + copy, output)
        if page.file.src_uri in self.version_pages:
            url = page_url(page.file.dest_uri)
            facts = self.facts[url]
            version_cache.store(self.version_pages[page.file.src_uri][1], {
                "html": output, "published": self.published.get(served_forms(url)[0], []), "ids": sorted(facts.ids),
                "headings": facts.headings, "heading_lines": facts.heading_lines, "source": facts.source,
            })
            output = self._with_latest_ids(output, page.file.src_uri.split("/")[1])
        return output

    def _with_latest_ids(self, output: str, slug: str) -> str:
        """The old-version banner learns which sections the latest version still has."""
        latest = self.facts.get(f"specs/{slug}/")
        return output.replace(LATEST_IDS, html.escape(" ".join(sorted(latest.ids)) if latest else ""), 1)

    def _write_cached_versions(self, config: MkDocsConfig) -> None:
        """The version pages the cache held: their facts as if rendered, and their files."""
        files = {}
        for dest, entry in self.cached_versions.items():
            url = page_url(dest)
            self.published[served_forms(url)[0]] = list(entry.get("published", []))
            self.facts[url] = PageFacts(url, entry.get("source", ""), frozenset(entry.get("ids", [])), dict(entry.get("headings", {})), dict(entry.get("heading_lines", {})))
            files[dest] = self._with_latest_ids(entry["html"], entry["spec"])
        try:
            write_generated_files(Path(config.site_dir), files, self.page_files, "the version cache")
        except SpecSitesError as e:
            raise _problems(e) from e

    def on_post_build(self, config: MkDocsConfig) -> None:
        assert self.plan is not None and self.linker is not None and self.repo is not None
        redirects = self.plan.redirects.get(self.site_name, [])
        moved = self.plan.moved(self.site_name)
        self._write_cached_versions(config)
        self.stats = {
            "pages": len(self.published),
            "redirects": sum(1 for r in moved if r.to is not None),
            "aliases": sum(1 for r in redirects if r.is_alias),
        }
        if not self.options.defer_site_checks:
            pages = {s.name: site_pages(self.repo, s) for s in self.repo.sites}
            production = self.production_urls
            facts = {self.site_name: self.facts}
            problems = check_links(self.links, facts, pages, self.plan, production)
            problems += check_published_ids(self.site_name, self.inventory, facts, pages, self.plan)
            for problem in problems:
                self._warn(problem)
        self._kept_state[self.site_name] = self.page_state
        written = (Path(config.site_dir).resolve(), self.plan, self.linker.base_urls)
        if self.dirty and self._written == written:
            return  # a dirty build into the same output, with the same redirects: they stand
        redirect_pages, others = self._generated or self._generated_files()
        self._generated = None
        self.reuse = self._reuse(config.site_dir, redirect_pages, others)
        try:
            write_generated_files(Path(config.site_dir), redirect_pages | others, self.page_files, self.repo.redirects_file.name, self.reuse.folders)
            if self.reuse.write:  # beside the site folder: the caller moves them into the reused folders
                write_generated_files(reuse_leftovers(Path(config.site_dir))[0], {p: redirect_pages[p] for p in self.reuse.write}, set(), self.repo.redirects_file.name)
        except SpecSitesError as e:
            raise _problems(e) from e
        self._written = written

    def while_pages_render(self, config: MkDocsConfig) -> None:
        """parallel_pages calls this in the parent while the workers render the pages:
        the files written besides them need no page, so they are made meanwhile."""
        self._generated = self._generated_files()

    def _generated_files(self) -> tuple[dict[str, str], dict[str, str]]:
        """The redirect pages, and the other files written besides the pages."""
        assert self.plan is not None and self.linker is not None and self.repo is not None
        site = self.repo.site(self.site_name)
        redirects = self.plan.redirects.get(self.site_name, [])
        with collector_paused():  # one page for all of a redirect's files: targets are not relative
            redirect_pages = redirect_page_files(redirects, self.linker, self._destination_title)
        others = {
            **server_rule_files(redirects, self.linker),
            ".nojekyll": "",
            **self._readers_files(),
        }
        if self.linker.base_urls[site.name] == site.production_url:
            others["CNAME"] = site.production_host + "\n"  # a staging copy must not claim the domain
        return redirect_pages, others

    def _reuse(self, site_dir: str, redirect_pages: dict[str, str], others: dict[str, str]) -> Reuse:
        """The redirect folders (redirect_folders.py) to take from the previous output."""
        previous = self.options.previous
        if previous is None:  # a plain MkDocs build or the preview: nothing to record or reuse
            self.redirect_files = RedirectFiles()
            return Reuse()
        occupied = occupied_folders(list(others))
        for folder, _, _ in os.walk(site_dir):  # what MkDocs and the other plugins wrote
            occupied.add(os.path.relpath(folder, site_dir).replace(os.sep, "/").removeprefix("."))
        self.redirect_files = redirect_files(redirect_pages, occupied)
        return plan_reuse(self.redirect_files, previous.recorded, lambda folder: os.path.isdir(os.path.join(previous.folder, folder)))

    # Issue 14: the site switcher, footer, banner and 404 page read these from
    # config.extra.specsites (docs/overrides); kept apart from the checks above.
    def _readers_config(self, config: MkDocsConfig) -> None:
        assert self.repo is not None and self.linker is not None
        try:
            self.labels = site_labels(self.repo)
        except SpecSitesError as e:
            raise _problems(e) from e
        site = self.repo.site(self.site_name)
        config.extra["specsites"].update({
            "sites": switcher_entries(self.repo, self.labels, self.linker),
            # The banner links to the production site even in a copy whose other links
            # were moved to the copy (the script sets it: on_post_page leaves scripts alone).
            "production_url": site.production_url,
            # A path, not a URL: the 404 page fetches it from wherever it is served.
            "known_urls": urlsplit(self.linker.base_urls[site.name]).path + KNOWN_URLS_FILE,
        })

    def _readers_pre_build(self, config: MkDocsConfig) -> None:
        assert self.repo is not None and self.linker is not None and self.plan is not None
        self.titles = {s.name: page_titles(self.repo, s.name) for s in self.repo.sites}

    def _readers_files(self) -> dict[str, str]:
        """The 404 page's "did you mean" index: a file of its own, fetched only on a
        miss, so a site with thousands of moved pages keeps a small 404 page."""
        assert self.repo is not None and self.linker is not None and self.plan is not None
        known = known_urls(self.repo, self.site_name, self.plan, self.linker, self.titles)
        return {KNOWN_URLS_FILE: json.dumps(known, ensure_ascii=True, separators=(",", ":")) + "\n"}

    def _destination_title(self, redirect: Redirect) -> str:
        """The title of the page a redirect lands on, for its redirect page."""
        to = redirect.to
        if to is None or not to.site:
            return ""
        title = self.titles.get(to.site, {}).get(page_key(to.url), "")
        label = self.labels.get(to.site)
        return f"{title} - {label.title}" if title and label and to.site != self.site_name else title

    def on_serve(self, server, config: MkDocsConfig, builder):
        assert self.repo is not None
        for path in watched_paths(self.repo, self.repo.site(self.site_name)):
            server.watch(str(path))
        return server


def version_frame(repo: Repository, specs: list[SpecMeta], urls: dict[str, str]) -> dict:
    """What a version page is made from besides its own Markdown: the theme, configs,
    pages (the nav) and this tool's code (every source but the spec texts, whose
    metadata counts instead), the sites' addresses, and the libraries' versions."""
    from importlib.metadata import version as installed

    from specsites.checks.output_stamp import source_digests

    digests = {p: d for p, d in source_digests(repo).items() if "/specifications/" not in p and p != "published-urls.yml"}
    libraries = {name: installed(name) for name in ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions")}
    return {"sources": digests, "specs": [repr(s) for s in specs], "urls": urls, "libraries": libraries}


def _meta_at(text: str, front: str, now: SpecMeta, version: Version) -> SpecMeta:
    """The spec as its source at the tag describes it; a source from before front
    matter (or one that no longer reads) takes today's metadata with the tag's date."""
    import dataclasses

    if front:
        meta, problems = parse_spec_meta(text, version.tag, now.site, version.tag.split("/", 1)[0], now.has_overview)
        if meta is not None and not problems:
            return dataclasses.replace(meta, slug=now.slug, site=now.site)
    return dataclasses.replace(now, date=version.date)


def _source_text(page: Page) -> str:
    """The page's Markdown as written (line numbers count in it)."""
    try:
        return Path(page.file.abs_src_path or "").read_text(encoding="utf-8")
    except OSError:
        return page.markdown or ""


def _walk_toc(items):
    for item in items:
        yield item
        yield from _walk_toc(item.children)

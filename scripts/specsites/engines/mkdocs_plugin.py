"""The MkDocs plugin: each site's shared pages, spec sources, banner and redirects.

Event glue only: each event hands plain data (paths, Markdown, HTML) to the module
of one feature, all engine-neutral (another engine's adapter calls the same):
spec pages (pages/spec_pages.py), versions (pages/version_pages.py), readers
(pages/readers.py), redirects (redirects/site_output.py through stages/finish.py),
site checks (checks/page_facts.py) and links to copies (pages/copy_links.py). It
lives in a plugin so that a plain `mkdocs build -f <site>/mkdocs.yml` or `mkdocs
serve` does everything the `specsites` command does for one site.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from specsites.checks import page_facts
from specsites.checks.site_checks import LinkRef, PageFacts
from specsites.engines import nav_cache, plain_mkdocs
from specsites.errors import Problem, SpecSitesError
from specsites.machinery.git_utils import last_changed
from specsites.machinery.output_files import write_generated_files
from specsites.engines.page_reuse import PageReuse
from specsites.pages import spec_pages, version_pages
from specsites.pages.copy_links import links_to_copies
from specsites.pages.readers import reader_extra
from specsites.redirects.folders import PreviousOutput, RedirectFiles, Reuse
from specsites.redirects.plan import Plan
from specsites.redirects.site_output import with_anchor_script
from specsites.sources.config import SpecSitesConfig
from specsites.sources.inventory import Inventory
from specsites.sources.source_files import vet_paths
from specsites.sources.sites import Repository, added_sources, load_repository, shared_assets, watched_paths
from specsites.sources.spec_meta import SpecMeta, nav_with_specs
from specsites.stages import finish
from specsites.stages.site_context import SiteContext, open_site, plan_site, with_page_config
from specsites.urls import page_url, served_forms

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
        if refusal := plain_mkdocs.gh_deploy_refusal(command):
            raise PluginError(refusal)

    def on_build_error(self, *, error: Exception) -> None:
        if isinstance(error, PluginProblems):
            self.errors = list(error.problems)

    def _reset(self) -> None:
        """Per-build state, fresh for every build of this (persistent) instance."""
        self.repo: Repository | None = None
        self.site_name = ""
        self.context: SiteContext | None = None  # the site as every feature reads it (stages/site_context.py)
        self.spec_sources: dict[str, Path] = {}
        # Version pages to render, by docs path, and those the cache holds, by output path.
        self.versions = version_pages.VersionPlan()
        self.page_files: set[str] = set()
        self.published: dict[str, list[str]] = {}  # published URL -> section ids, for the inventory
        self.stats: dict[str, int] = {}
        self.redirect_files = RedirectFiles()  # this build's redirect folders, for the next to reuse
        self.reuse = Reuse()  # what to take from the previous output instead of writing it
        self._generated: tuple[dict[str, str], dict[str, str]] | None = None  # made while pages render
        self.facts: dict[str, PageFacts] = {}  # site-relative page URL -> its ids and headings
        self.links: list[LinkRef] = []  # links to our sites' production URLs
        # Each page's title and metadata by docs path: handed in from the last full
        # build, updated by this one (for dirty rebuilds).
        self.page_state: dict[str, dict] = {}
        self.warnings: list[Problem] = []  # the problems this build logged as warnings
        self.errors: list[Problem] = []  # the problems that stopped it (on_build_error)

    # Opening and planning the site (stages/site_context.py).
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._reset()
        options = self.options
        if problem := plain_mkdocs.base_config_problem(config.config_file_path, config.site_name):
            raise PluginProblems([problem])
        try:
            self.repo = options.repo or load_repository(Path(config.config_file_path).resolve().parent / self.config.root)
            context = open_site(self.repo, config.config_file_path, options.base_urls, options.specs, config.site_url)
        except SpecSitesError as e:
            raise _problems(e) from e
        self.context, self.site_name = context, context.name
        plain_mkdocs.add_overrides(config.theme.dirs, self.repo.shared_docs)
        self.page_state = dict(options.page_state or self._kept_state.get(context.name, {}))
        if context.base_url != context.site.production_url and context.base_url.rstrip("/") != (config.site_url or "").rstrip("/"):
            config.site_url = context.base_url  # a preview or staging copy
        config.nav = nav_with_specs(config.nav, context.own_specs)
        config.extra["specsites"] = reader_extra(self.repo, context.site, context.labels, context.linker)
        snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
        snippets["base_path"] = [str(self.repo.shared_docs / "snippets")]
        # What the spec pages take from the engine's configuration (pages/spec_header.py).
        with_page_config(context, dict(config.extra), config.repo_url, config.markdown_extensions, config.mdx_configs)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        # Everything is checked here, before MkDocs cleans or writes the output folder.
        assert self.context is not None
        try:
            plan_site(self.context, self.options.plan, self.options.inventory)
        except SpecSitesError as e:
            raise _problems(e) from e
        plan = self.context.plan
        own_lines = {r.line for r in plan.moved(self.site_name)}
        for note in plan.notes:
            if note.line in own_lines:
                log.info(str(note))

    @property
    def plan(self) -> Plan | None:
        return self.context.plan if self.context else None

    @property
    def inventory(self) -> Inventory:
        return self.context.inventory if self.context else {}

    # Pages added to MkDocs' files: shared pages, spec sources, versions.
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.context is not None
        repo, site = self.context.repo, self.context.site
        # MkDocs gathered these following links; none is read or copied before this.
        # (The theme's own files, from the installed packages, are not the repository's.)
        ours = [Path(os.path.abspath(f.abs_src_path)) for f in files if f.abs_src_path]
        problems = vet_paths([p for p in ours if p.is_relative_to(os.path.abspath(repo.root)) or p.is_relative_to(os.path.abspath(config.docs_dir))], repo.root)
        if problems:
            raise PluginProblems(problems)
        added = added_sources(repo, site)
        self.spec_sources = {rel: p for rel, p in added.items() if p.parent == site.specifications_dir}
        for rel, path in added.items():
            files.append(File.generated(config, rel, abs_src_path=str(path)))
        for rel in shared_assets(repo):
            if files.get_file_from_path(rel) is None:
                files.append(File.generated(config, rel, abs_src_path=str(repo.shared_docs / rel)))
        self.versions = version_pages.plan_versions(self.context)
        for path, page in self.versions.render.items():
            files.append(File.generated(config, path, content=page.markdown, inclusion=InclusionLevel.NOT_IN_NAV))
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

    def on_env(self, env, config: MkDocsConfig, files: Files):
        if self.options.bytecode_cache is not None:
            env.bytecode_cache = self.options.bytecode_cache
        if self.options.nav_cache:
            nav_cache.install(env)
        return env

    # Spec pages and their tables (pages/spec_pages.py).
    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        context = self.context
        assert context is not None and context.plan is not None
        source = self.spec_sources.get(page.file.src_uri)
        if source is not None:
            spec = spec_pages.spec_of_page(context.specs, self.site_name, page.file.src_uri)
            assert spec is not None
            rel = source.relative_to(context.repo.root).as_posix()
            made = spec_pages.spec_page(markdown, spec, context.specs, context.versions.versions.get(spec.slug, []), context.publisher,
                                        context.production_urls, rel, last_changed(context.repo.root, rel), self.config.source_url)
            markdown, page.meta["title"] = made.markdown, made.title
            if made.edit_url:
                page.edit_url = made.edit_url
        markdown = spec_pages.with_specs_table(markdown, context.own_specs, page.file.src_uri)
        # A tagged version's text is history: what it got wrong cannot be fixed there.
        if page.file.src_uri not in self.versions.render:
            for problem in page_facts.unclosed_problems(_source_text(page), self._shown(page)):
                self._warn(problem)
        return spec_pages.with_moved_specs(markdown, context.plan, context.repo, context.linker, page.file.dest_uri, context.labels)

    # Site checks: each page's facts and links (checks/page_facts.py).
    def on_page_content(self, html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        historic = page.file.src_uri in self.versions.render
        sections = [(item.level, item.id, item.title) for item in _walk_toc(page.toc)]
        source, shown, url = _source_text(page), self._shown(page), page_url(page.file.dest_uri)
        self.facts[url], problems = page_facts.page_facts(html_text, url, shown, source, sections, historic)
        for problem in problems:
            self._warn(problem)
        if not historic:  # an old text's links are as they were; the redirects keep them working
            assert self.context is not None
            self.links += page_facts.page_links(html_text, shown, source, self.context.production_urls)
        return html_text

    def _warn(self, problem: Problem) -> None:
        """A problem MkDocs counts as a warning (strict: the build fails), kept as a value."""
        self.warnings.append(problem)
        log.warning(str(problem))

    def _shown(self, page: Page) -> str:
        """The page's source file as an editor finds it, relative to the repository."""
        assert self.repo is not None
        if page.file.src_uri in self.versions.render:
            return self.versions.render[page.file.src_uri].shown
        path = Path(page.file.abs_src_path or "")
        return path.relative_to(self.repo.root).as_posix() if path.is_relative_to(self.repo.root) else path.as_posix()

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav):
        url = served_forms(page_url(page.file.dest_uri))[0]
        # Section ids only: a page's title (h1; level is the heading level despite
        # MkDocs' docstring) is not a place people link to.
        self.published[url] = [item.id for item in _walk_toc(page.toc) if item.level > 1]
        self.page_state[page.file.src_uri] = {"title": page.title, "meta": dict(page.meta)}
        return context

    # Anchor scripts, links to copies, versions kept (redirects, copy_links, version_pages).
    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        context = self.context
        assert context is not None
        output = with_anchor_script(output, context.section_redirects.get(page.file.dest_uri), context.linker)
        output = links_to_copies(output, context.production_urls, context.linker.base_urls)
        version = self.versions.render.get(page.file.src_uri)
        if version is not None:
            url = page_url(page.file.dest_uri)
            version_pages.keep_rendered(version.key, output, self.published.get(served_forms(url)[0], []), self.facts[url])
            output = version_pages.with_latest_ids(output, self.facts.get(f"specs/{version_pages.spec_of(page.file.src_uri)}/"))
        return output

    # The finish stage: cached versions, site checks, redirect pages and host files (stages/finish.py).
    def on_post_build(self, config: MkDocsConfig) -> None:
        context = self.context
        assert context is not None and context.plan is not None
        self._write_cached_versions(config)
        self.stats = finish.build_stats(context, self.published)
        if not self.options.defer_site_checks:
            for problem in page_facts.one_site_problems(context.repo, self.site_name, self.links, self.facts, context.plan, context.inventory):
                self._warn(problem)
        self._kept_state[self.site_name] = self.page_state
        written = (Path(config.site_dir).resolve(), context.plan, context.linker.base_urls)
        if self.dirty and self._written == written:
            return  # a dirty build into the same output, with the same redirects: they stand
        files = self._generated or finish.finish_files(context)
        self._generated = None
        try:
            self.redirect_files, self.reuse = finish.write_finish(context, Path(config.site_dir), files, self.page_files, self.options.previous)
        except SpecSitesError as e:
            raise _problems(e) from e
        self._written = written

    def _write_cached_versions(self, config: MkDocsConfig) -> None:
        """The version pages the cache held: their facts as if rendered, and their files."""
        files = version_pages.cached_pages(self.versions.cached, self.facts, self.published)
        try:
            write_generated_files(Path(config.site_dir), files, self.page_files, "the version cache")
        except SpecSitesError as e:
            raise _problems(e) from e

    def while_pages_render(self, config: MkDocsConfig) -> None:
        """parallel_pages calls this in the parent while the workers render the pages:
        the files written besides them need no page, so they are made meanwhile."""
        assert self.context is not None
        self._generated = finish.finish_files(self.context)

    def on_serve(self, server, config: MkDocsConfig, builder):
        assert self.context is not None
        for path in watched_paths(self.context.repo, self.context.site):
            server.watch(str(path))
        return server


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

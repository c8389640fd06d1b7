"""The prepare stage: one site as plain files an engine without our plugin renders.

A folder holding a resolved `mkdocs.yml` (the base merged in, every path written out
or inside the folder, the snippets' base path and `extra.specsites` set, the specs in
the nav) and its `docs/`: the site's pages, the shared pages, each spec page with its
header and lists, the tables the pages mark, and every version and changes page.
Engine-neutral: what the MkDocs plugin does in its events, done to files.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from specsites.checks.page_facts import unclosed_problems
from specsites.errors import Problem, SpecSitesError
from specsites.machinery.git_utils import last_changed
from specsites.pages import spec_pages, version_pages
from specsites.pages.readers import reader_extra
from specsites.sources.config import PLUGIN, read_mkdocs_yml
from specsites.sources.sites import added_sources, md_to_html, shared_assets
from specsites.sources.spec_meta import nav_with_specs, split_front_matter
from specsites.stages.site_context import SiteContext, with_page_config

DOCS, OUTPUT, OVERRIDES = "docs", "site", "overrides"  # inside the prepared folder


@dataclass(frozen=True)
class PreparedPage:
    shown: str  # the source as an editor finds it (relative to the repository), for messages
    source: str  # the text its line numbers count in
    historic: bool = False  # an old version: its text is history


@dataclass
class Prepared:
    folder: Path
    config_file: Path
    pages: dict[str, PreparedPage] = field(default_factory=dict)  # output file (x.html) -> its source
    sources: dict[str, PreparedPage] = field(default_factory=dict)  # docs path (x.md) -> the same
    version_keys: dict[str, str] = field(default_factory=dict)  # output file -> version cache key
    problems: list[Problem] = field(default_factory=list)  # found while preparing (an unclosed {#id)

    @property
    def output(self) -> Path:
        return self.folder / OUTPUT


def merged_config(site_config: Path, root: Path) -> dict:
    """A site's mkdocs.yml with the file it inherits merged in, as MkDocs merges them
    (mappings key by key, anything else replaced by the site's); SpecSitesError when
    it inherits a file outside the repository root."""
    display = f"{site_config.parent.name}/mkdocs.yml"
    config, _ = read_mkdocs_yml(site_config, display)
    parent = config.pop("INHERIT", None)
    if not isinstance(parent, str):
        return config
    inherited = (site_config.parent / parent).resolve()
    if not inherited.is_relative_to(root.resolve()):
        raise SpecSitesError(Problem(display, 1, f"INHERIT: {parent!r} is outside the repository; inherit the base config, INHERIT: ../mkdocs.yml"))
    base, _ = read_mkdocs_yml(inherited, parent)
    base.pop("INHERIT", None)
    return _merge(base, config)


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def resolved_config(context: SiteContext, overrides: str | None) -> dict:
    """The site's configuration with nothing left for a plugin to add: docs and output
    inside the prepared folder, the theme's overrides copied there, the snippets'
    base path absolute, extra.specsites and the specs' nav entries written in."""
    config = merged_config(context.site.config_file, context.repo.root)
    config["docs_dir"], config["site_dir"] = DOCS, OUTPUT
    config["site_url"] = context.base_url
    theme = dict(config.get("theme") or {})
    theme.pop("custom_dir", None)
    if overrides:
        theme["custom_dir"] = overrides
    config["theme"] = theme
    config["nav"] = nav_with_specs(config.get("nav"), context.own_specs)
    config["extra"] = {**(config.get("extra") or {}), "specsites": reader_extra(context.repo, context.site, context.labels, context.linker)}
    config["plugins"] = [p for p in config.get("plugins") or [] if not (p == PLUGIN or (isinstance(p, dict) and PLUGIN in p))]
    snippets_path = [str(context.repo.shared_docs / "snippets")]
    extensions = []
    for entry in config.get("markdown_extensions") or []:
        if entry == "pymdownx.snippets" or (isinstance(entry, dict) and "pymdownx.snippets" in entry):
            options = dict(entry["pymdownx.snippets"] or {}) if isinstance(entry, dict) else {}
            entry = {"pymdownx.snippets": {**options, "base_path": snippets_path}}
        extensions.append(entry)
    config["markdown_extensions"] = extensions
    return config


def prepare_site(context: SiteContext, folder: Path, overrides: Path | None) -> Prepared:
    """Write the prepared site into folder (empty or new): its config and docs.
    overrides: the theme override folder to copy in (None: the theme as it is)."""
    assert context.plan is not None
    repo, site = context.repo, context.site
    config = merged_config(site.config_file, repo.root)
    extensions, extension_configs = _extension_names(config.get("markdown_extensions") or [])
    if "pymdownx.snippets" in extension_configs:
        extension_configs["pymdownx.snippets"]["base_path"] = [str(repo.shared_docs / "snippets")]
    with_page_config(context, dict(config.get("extra") or {}), config.get("repo_url"), extensions, extension_configs)
    docs = folder / DOCS
    shutil.copytree(site.docs_dir, docs)
    if overrides is not None:
        shutil.copytree(overrides, folder / OVERRIDES)
    prepared = Prepared(folder, folder / "mkdocs.yml")
    for rel in shared_assets(repo):
        if not (docs / rel).exists():
            (docs / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo.shared_docs / rel, docs / rel)
    sources = {p.relative_to(site.docs_dir).as_posix(): p for p in site.docs_dir.rglob("*.md")}
    sources.update(added_sources(repo, site))
    spec_sources = {rel for rel, p in sources.items() if p.parent == site.specifications_dir}
    for rel, path in sorted(sources.items()):
        shown = path.relative_to(repo.root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            prepared.problems.append(Problem(shown, 0, f"not UTF-8 text ({e.reason}); save the file as UTF-8"))
            continue
        front, body = _split_front(text)
        if rel in spec_sources:
            spec = spec_pages.spec_of_page(context.specs, site.name, rel)
            assert spec is not None
            made = spec_pages.spec_page(body, spec, context.specs, context.versions.versions.get(spec.slug, []), context.publisher,
                                        context.production_urls, shown, last_changed(repo.root, shown), repo.config.source_url)
            front, body = {**front, "title": made.title}, made.markdown
        body = spec_pages.with_specs_table(body, context.own_specs, rel)
        body = spec_pages.with_moved_specs(body, context.plan, repo, context.linker, md_to_html(rel), context.labels)
        prepared.problems += unclosed_problems(text, shown)
        _write_page(docs / rel, front, body)
        prepared.pages[md_to_html(rel)] = prepared.sources[rel] = PreparedPage(shown, text)
    plan = version_pages.plan_versions(context, use_cache=False)
    for rel, page in plan.render.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(page.markdown, encoding="utf-8")
        prepared.pages[md_to_html(rel)] = prepared.sources[rel] = PreparedPage(page.shown, page.markdown, historic=True)
    overrides_name = OVERRIDES if overrides is not None else None
    prepared.config_file.write_text(yaml.safe_dump(resolved_config(context, overrides_name), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return prepared


def _extension_names(entries: list) -> tuple[list[str], dict]:
    """mkdocs.yml's markdown_extensions (names, or one-key mappings to options) as
    MkDocs hands them to Markdown: the names, and the options by name."""
    names, options = [], {}
    for entry in entries:
        if isinstance(entry, dict):
            for name, value in entry.items():
                names.append(name)
                options[name] = dict(value or {})
        else:
            names.append(str(entry))
    return names, options


def _split_front(text: str) -> tuple[dict, str]:
    """(front matter, body) of a page; a page without front matter has {}."""
    split = split_front_matter(text)
    if split is None:
        return {}, text
    front, body = split
    try:
        data = yaml.safe_load(front.strip().removeprefix("---").removesuffix("---"))
    except yaml.YAMLError:  # not front matter after all: the page as written
        return {}, text
    return (data, body) if isinstance(data, dict) else ({}, text)


def _write_page(path: Path, front: dict, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    head = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" if front else ""
    path.write_text(head + body, encoding="utf-8")

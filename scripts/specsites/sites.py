"""The repository's sites: where they are, their production URLs, and their pages.

Read straight from the YAML files (not through MkDocs) so that any site's plugin, and
the orchestrator, can know every other site's pages without building it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from specsites.errors import Problem, SpecSitesError, raise_if_any
from specsites.git_utils import GitError, blob_ids, read_blobs, tag_files, tags
from specsites.spec_meta import SpecMeta, nav_pages, parse_spec_meta
from specsites.versions import Version, date_problem, parse_tags, resolve_versions, source_candidates, split_source
from specsites.urls import page_key, page_url, usable_http_url

BASE_CONFIG = "mkdocs.yml"
SHARED_DOCS = "docs"
# Folders of the shared docs/ that are not pages: theme overrides and included text.
SHARED_NOT_PAGES = ("overrides", "snippets")
SPECIFICATIONS = "specifications"


@dataclass(frozen=True)
class Site:
    name: str  # the site's folder name: how redirects.yml and the CLI name it
    folder: Path
    production_url: str  # always ends with "/"
    # The shared pages (docs/ paths) the site chose by naming them in its nav; None
    # when it has no nav (MkDocs then lists every page, so it gets them all).
    shared_pages: tuple[str, ...] | None = None

    @property
    def config_file(self) -> Path:
        return self.folder / "mkdocs.yml"

    @property
    def docs_dir(self) -> Path:
        return self.folder / "docs"

    @property
    def specifications_dir(self) -> Path:
        return self.folder / SPECIFICATIONS

    @property
    def production_host(self) -> str:
        return urlsplit(self.production_url).hostname or ""


@dataclass(frozen=True)
class Repository:
    root: Path
    sites: tuple[Site, ...]
    redirects_file: Path

    @property
    def shared_docs(self) -> Path:
        return self.root / SHARED_DOCS

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sites]


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml files without importing what their `!!python/name` tags name."""


class _FastTolerantLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same with libyaml: a tenth of the time, but terser error messages. (A file
    only libyaml accepts would then fail in MkDocs' own loader, with its message.)"""


for _loader in (_TolerantLoader, _FastTolerantLoader):
    _loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    _loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def read_yaml_config(path: Path, display: str) -> tuple[dict, str]:
    """A mkdocs.yml's settings and its text (for line numbers in messages)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecSitesError(Problem(display, 0, "file not found; every site folder needs a mkdocs.yml"))
    except UnicodeDecodeError as e:
        raise SpecSitesError(Problem(display, 0, f"not UTF-8 text ({e.reason}); save the file as UTF-8"))
    try:
        data = yaml.load(text, Loader=_FastTolerantLoader)
    except yaml.YAMLError:
        try:  # again, for the pure-Python parser's message: it says what it found
            data = yaml.load(text, Loader=_TolerantLoader)
        except yaml.YAMLError as e:
            line = getattr(getattr(e, "problem_mark", None), "line", -1) + 1
            reason = getattr(e, "problem", None) or "syntax error"
            raise SpecSitesError(Problem(display, line, f"not valid YAML: {reason}; check indentation, colons and quotes"))
    if not isinstance(data, dict):
        raise SpecSitesError(Problem(display, 1, "expected a mapping of MkDocs settings, like `site_name: ...`"))
    return data, text


def line_of(text: str, pattern: str, nth: int = 0) -> int:
    """The 1-based line of a regular expression's nth match (1 if there is none)."""
    starts = [m.start() for m in re.finditer(pattern, text, re.MULTILINE)]
    return text.count("\n", 0, starts[nth]) + 1 if len(starts) > nth else 1


def plugin_options(base: dict) -> dict:
    """The `specsites` plugin's options in a parsed base mkdocs.yml."""
    for entry in base.get("plugins") or []:
        if isinstance(entry, dict) and "specsites" in entry:
            return entry["specsites"] or {}
        if entry == "specsites":
            return {}
    return {}


def load_repository(root: Path, site_names: list[str] | None = None, redirects: str | None = None) -> Repository:
    """Find the sites the base mkdocs.yml names and read each one's production URL."""
    root = root.resolve()
    base_text = ""
    if site_names is None or redirects is None:
        base, base_text = read_yaml_config(root / BASE_CONFIG, BASE_CONFIG)
        options = plugin_options(base)
        site_names = site_names if site_names is not None else list(options.get("sites") or [])
        redirects = redirects or options.get("redirects") or "redirects.yml"
    problems: list[Problem] = []
    if not site_names:
        problems.append(Problem(BASE_CONFIG, line_of(base_text, r"^\s*- specsites"), "no sites listed; list the site folders under plugins: - specsites: sites:"))
    sites: list[Site] = []
    seen_hosts: dict[str, str] = {}
    for index, name in enumerate(site_names):
        display = f"{name}/mkdocs.yml"
        entry_line = line_of(base_text, rf"^\s*-\s*{re.escape(str(name))}\s*$", site_names[:index].count(name))
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            problems.append(Problem(BASE_CONFIG, entry_line, f"site {name!r} is not a folder name; list folders directly under the repository root"))
            continue
        if name in (s.name for s in sites):
            problems.append(Problem(BASE_CONFIG, entry_line, f"site {name} is listed twice, so two builds would share site/{name}; list each site folder once"))
            continue
        try:
            config, text = read_yaml_config(root / name / "mkdocs.yml", display)
        except SpecSitesError as e:
            problems.extend(e.problems)
            continue
        url = config.get("site_url")
        parts = urlsplit(url) if isinstance(url, str) else None
        url_line = line_of(text, r"^site_url:")
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(Problem(display, url_line, "site_url is missing or not an http(s) URL; add the production address, like site_url: https://<domain>/"))
            continue
        if parts.hostname in seen_hosts:
            problems.append(Problem(display, url_line, f"site_url {url} has the same domain as {seen_hosts[parts.hostname]}; give each site its own domain"))
            continue
        seen_hosts[parts.hostname] = display
        if not (root / name / "docs").is_dir():
            problems.append(Problem(display, 1, f"the site has no pages; create {name}/docs/ with an index.md"))
            continue
        nav = config.get("nav")
        shared = None if nav is None else tuple(nav_pages(nav))
        sites.append(Site(name=name, folder=root / name, production_url=url.rstrip("/") + "/", shared_pages=shared))
    if base_text:  # a site folder nobody listed would be left out of every build, silently
        listed = set(map(str, site_names))
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in listed):
            if (folder / "mkdocs.yml").is_file():
                problems.append(Problem(BASE_CONFIG, line_of(base_text, r"^\s*sites:"), f"{folder.name}/mkdocs.yml makes {folder.name} a site, but it is not listed under sites:; add `- {folder.name}` there (specsites new site does both), or remove the folder"))
    raise_if_any(problems)
    return Repository(root=root, sites=tuple(sites), redirects_file=root / redirects)


def _files(folder: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Files under folder as sorted POSIX paths relative to it, leaving out hidden
    folders and the top-level folders named in skip."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = Path(dirpath).relative_to(folder).as_posix()
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not (rel_dir == "." and d in skip)]
        found.extend(name if rel_dir == "." else f"{rel_dir}/{name}" for name in filenames)
    return sorted(found)


def _markdown_files(folder: Path, skip: tuple[str, ...] = ()) -> list[str]:
    return [rel for rel in _files(folder, skip) if rel.endswith(".md")]


def added_sources(repo: Repository, site: Site) -> dict[str, Path]:
    """Pages the plugin adds to a site: the shared pages its nav names, and its spec
    sources, by docs path.

    A spec source `specifications/<id>.md` becomes the page `specs/<id>/index.md`, so
    the published spec is rendered from its single source. A site's own page wins
    over a shared page of the same path.
    """
    added = {rel: repo.shared_docs / rel for rel in _markdown_files(repo.shared_docs, SHARED_NOT_PAGES) if site.shared_pages is None or rel in site.shared_pages}
    for rel in _markdown_files(site.specifications_dir):
        if "/" not in rel:
            added[f"specs/{rel[:-3]}/index.md"] = site.specifications_dir / rel
    own = set(_markdown_files(site.docs_dir))
    return {rel: path for rel, path in added.items() if rel not in own}


def site_specs(repo: Repository, site: Site) -> tuple[list[SpecMeta], list[Problem]]:
    """The metadata of each spec a site publishes, read from its sources' front matter."""
    specs, problems = [], []
    for rel in _markdown_files(site.specifications_dir):
        if "/" in rel:
            continue
        slug = rel[:-3]
        path = site.specifications_dir / rel
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            problems.append(Problem(f"{site.name}/{SPECIFICATIONS}/{rel}", 0, f"not UTF-8 text ({e.reason}); save the file as UTF-8"))
            continue
        has_overview = (site.docs_dir / "specs" / slug / "overview.md").is_file()
        meta, found = parse_spec_meta(text, f"{site.name}/{SPECIFICATIONS}/{rel}", site.name, slug, has_overview)
        problems.extend(found)
        if meta is not None:
            specs.append(meta)
    return specs, problems


def all_specs(repo: Repository) -> list[SpecMeta]:
    """Every site's specs; SpecSitesError naming every bad front matter."""
    specs, problems = [], []
    for site in repo.sites:
        found, bad = site_specs(repo, site)
        specs.extend(found)
        problems.extend(bad)
    raise_if_any(problems)
    return specs


@dataclass(frozen=True)
class SpecVersions:
    """Every spec's published versions (tags), and each version's source text."""

    versions: dict[str, list[Version]]  # spec slug -> its versions, oldest first
    texts: dict[str, str]  # blob id -> the source's text
    digest: str  # of the version tags and their blobs: what the versions were built from


_versions_memo: dict[tuple, tuple[SpecVersions, list[Problem]]] = {}


def spec_versions(repo: Repository, specs: list[SpecMeta]) -> tuple[SpecVersions, list[Problem]]:
    """The versions that git tags publish (see versions.py), read without a checkout.

    Memoised on the tags and specs: site_pages asks for them often in one build.
    """
    import hashlib

    commits = dict(tags(repo.root))
    found, problems = parse_tags(list(commits))
    key = (repo.root, tuple(found), tuple(commits.get(t) for t, _, _ in found), tuple(specs), tuple(repo.names))
    if key in _versions_memo:
        return _versions_memo[key]
    objects = {f"{commits[tag]}:{path}": (tag, path) for tag, slug, _ in found for path in source_candidates(slug, repo.names)}
    try:
        ids = blob_ids(repo.root, list(objects))
        blobs = {objects[name]: blob for name, blob in ids.items()}
        versions, more = resolve_versions(found, specs, blobs)
        raw = read_blobs(repo.root, [v.blob for vs in versions.values() for v in vs])
    except GitError as e:
        raise SpecSitesError(Problem("git", 0, f"{e}; cannot read the tagged versions"))
    problems += more
    texts = {}
    for slug, listed in versions.items():
        for version in listed:
            try:
                texts[version.blob] = raw[version.blob].decode("utf-8")
            except UnicodeDecodeError as e:
                problems.append(Problem(f"git tag {version.tag}", 0, f"{version.source} at the tag is not UTF-8 text ({e.reason}); tag a commit where it is"))
                continue
            front, _ = split_source(texts[version.blob])
            date = re.search(r"^date:[ \t]*['\"]?([0-9-]+)", front, re.MULTILINE)
            if (problem := date_problem(version, date.group(1) if date else "")) is not None:
                problems.append(problem)
    digest = hashlib.sha256(repr(sorted((v.tag, v.blob) for vs in versions.values() for v in vs)).encode()).hexdigest()[:20]
    result = SpecVersions(versions, texts, digest), sorted(set(problems))
    _versions_memo.clear()
    _versions_memo[key] = result
    return result


def version_pages(repo: Repository, site: Site) -> list[str]:
    """The docs paths of the version pages and changes pages a site publishes."""
    specs, _ = site_specs(repo, site)
    if not specs:
        return []
    found, _ = spec_versions(repo, all_specs_lenient(repo))
    return [page for spec in specs for v in found.versions.get(spec.slug, []) for page in (v.page, v.changes_page)]


def all_specs_lenient(repo: Repository) -> list[SpecMeta]:
    """Every spec whose front matter reads (the build reports the others)."""
    return [spec for site in repo.sites for spec in site_specs(repo, site)[0]]


def shared_assets(repo: Repository) -> list[str]:
    """Non-Markdown shared files (logo, CSS) every site copies, as POSIX paths."""
    return [rel for rel in _files(repo.shared_docs, SHARED_NOT_PAGES) if not rel.endswith(".md")]


def md_to_html(rel: str) -> str:
    stem = rel[:-3]
    if stem == "index" or stem.endswith("/index") or stem == "README" or stem.endswith("/README"):
        return stem.rsplit("/", 1)[0] + "/index.html" if "/" in stem else "index.html"
    return stem + ".html"


def site_pages(repo: Repository, site: Site) -> dict[str, str]:
    """Every page a site publishes: key (see urls.page_key) -> site-relative URL."""
    rels = set(_markdown_files(site.docs_dir)) | set(added_sources(repo, site)) | set(version_pages(repo, site))
    pages = {}
    for rel in sorted(rels):  # a stable order: it orders _redirects and the other rule files
        html = md_to_html(rel)
        pages[page_key(html)] = page_url(html)
    return pages


BASE_URLS_ENV = "SPECSITES_BASE_URLS"


def base_urls(repo: Repository, override: str = "", source: str = "--base-url") -> dict[str, str]:
    """Where each site is served: production, unless `site=URL` pairs say otherwise.

    The preview and staging builds pass their pairs in SPECSITES_BASE_URLS, so a plain
    `mkdocs build` or `mkdocs serve` of one site can point at the others' copies too.
    """
    urls = {site.name: site.production_url for site in repo.sites}
    for pair in override.replace(",", " ").split():
        name, _, url = pair.partition("=")
        if name not in urls or not usable_http_url(url):
            raise SpecSitesError(Problem(source, 0, f"{pair!r} is not SITE=URL with an http(s) URL for one of: {', '.join(urls)}"))
        urls[name] = url.rstrip("/") + "/"
    return urls


def watched_paths(repo: Repository, site: Site) -> list[Path]:
    """What a site's build reads, to rebuild when it changes: the site's folder, the
    shared docs, the base config and the map, and git's tags (the spec versions)."""
    return [p for p in (site.folder, repo.shared_docs, repo.root / BASE_CONFIG, repo.redirects_file, *tag_files(repo.root)) if p.exists()]

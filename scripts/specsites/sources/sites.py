"""The repository's sites: where they are, their production URLs, and their pages.

Read straight from the YAML files (not through MkDocs) so that any site's plugin, and
the orchestrator, can know every other site's pages without building it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from specsites.sources.config import BASE_CONFIG, Settings, read_config, read_mkdocs_yml
from specsites.errors import Problem, SpecSitesError, raise_if_any, unknown_site
from specsites.sources.inventory import FILENAME as INVENTORY
from specsites.machinery.git_utils import GitError, blob_ids, git_rename, read_blobs, tag_files, tags
from specsites.sources.spec_meta import SpecMeta, front_matter_value, nav_pages, parse_spec_meta
from specsites.pages.versions import Version, date_problem, parse_tags, resolve_versions, source_candidates
from specsites.urls import page_key, page_url, usable_http_url
from specsites.sources.yaml_nodes import is_str, line
from specsites.sources.source_files import read_source_text, source_problem, vet_tree

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
    def plain_output(self) -> Path:
        """Where a plain `mkdocs build -f <site>/mkdocs.yml` writes (MkDocs' default
        site_dir; .gitignore ignores it): output, never a source."""
        return self.folder / "site"

    @property
    def production_host(self) -> str:
        return urlsplit(self.production_url).hostname or ""


@dataclass(frozen=True)
class Repository:
    root: Path
    sites: tuple[Site, ...]
    redirects_file: Path
    # The base mkdocs.yml's options, validated; left out of comparisons (a dict).
    config: Settings = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

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


def load_repository(root: Path) -> Repository:
    """The repository's configuration (config.py) and its sites: each listed folder's
    production URL and shared pages; SpecSitesError naming every problem of both."""
    settings, problems = read_config(root)
    root = settings.root
    # The base's paths resolve from a site's folder, as MkDocs reads them through INHERIT.
    base, base_node = read_mkdocs_yml(root / BASE_CONFIG, BASE_CONFIG, repository=root)
    problems += config_path_problems(base, base_node, root / "any-site", root, BASE_CONFIG)
    sites: list[Site] = []
    seen_hosts: dict[str, str] = {}
    for name in settings.sites:
        display = f"{name}/mkdocs.yml"
        try:
            config, node = read_mkdocs_yml(root / name / "mkdocs.yml", display, repository=root)
        except SpecSitesError as e:
            problems.extend(e.problems)
            continue
        if more := config_path_problems(config, node, root / name, root, display):
            problems.extend(more)
            continue
        url = config.get("site_url")
        parts = urlsplit(url) if isinstance(url, str) else None
        url_line = next((line(k) for k, _ in node.value if is_str(k) and k.value == "site_url"), 1)
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
    # A site folder nobody listed would be left out of every build, silently.
    listed = set(settings.sites)
    unlisted = root.iterdir() if settings.sites_readable else []
    for folder in sorted(p for p in unlisted if p.is_dir() and not p.name.startswith(".") and p.name not in listed):
        if (folder / "mkdocs.yml").is_file():
            problems.append(Problem(BASE_CONFIG, settings.sites_line, f"{folder.name}/mkdocs.yml makes {folder.name} a site, but it is not listed under sites:; add `- {folder.name}` there (specsites new site does both), or remove the folder"))
    raise_if_any(problems)
    # Before anything reads them: every source is a regular file inside the repository.
    raise_if_any(vet_tree(root, source_paths(root, settings.redirects_file, [s.folder for s in sites])))
    return Repository(root=root, sites=tuple(sites), redirects_file=settings.redirects_file, config=settings)


def config_path_problems(config: dict, node, folder: Path, root: Path, display: str) -> list[Problem]:
    """What in a site's mkdocs.yml would make MkDocs read outside the repository or
    run code before the sources are judged: INHERIT, docs_dir and theme.custom_dir
    leading out of it (or to a file that is not a regular one), and `hooks:` (Python
    files MkDocs runs)."""
    problems = []

    def at(key: str) -> int:
        return next((line(k) for k, _ in node.value if is_str(k) and k.value == key), 1)

    if "hooks" in config:
        problems.append(Problem(display, at("hooks"), "hooks: MkDocs runs these Python files; the sites take none, remove them (the specsites plugin does the work)"))
    theme = config.get("theme")
    paths = [("INHERIT", config.get("INHERIT")), ("docs_dir", config.get("docs_dir")), ("theme", theme.get("custom_dir") if isinstance(theme, dict) else None)]
    for key, value in paths:
        if value is None:
            continue
        target = Path(os.path.abspath(folder / str(value)))
        problem = source_problem(target, root)
        if not isinstance(value, str) or not Path(os.path.realpath(target)).is_relative_to(os.path.realpath(root)) or problem is not None:
            what = "custom_dir" if key == "theme" else key
            problems.append(Problem(display, at(key), f"{what}: {value!r} leads outside the repository or to what is not a file or folder; point it at a path inside the repository"))
    return problems


def source_paths(root: Path, redirects_file: Path, site_folders: list[Path]) -> list[Path]:
    """Everything a build reads from the repository: the base config, the map, the
    inventory, the shared docs/ and each site's folder."""
    from specsites.sources.inventory import FILENAME as INVENTORY

    return [root / BASE_CONFIG, redirects_file, root / INVENTORY, root / SHARED_DOCS, *site_folders]


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
            text = read_source_text(path, repo.root)
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
            if (problem := date_problem(version, front_matter_value(texts[version.blob], "date"))) is not None:
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


def locate(repo: Repository, rel: str) -> tuple[str, str] | None:
    """The page a repository file publishes: `<site>/docs/<path>.md` is <path>.md of
    that site; `<site>/specifications/<id>.md` is specs/<id>/index.md."""
    parts = rel.split("/")
    if len(parts) < 3 or parts[0] not in repo.names or not rel.endswith(".md"):
        return None
    if parts[1] == "docs":
        return parts[0], "/".join(parts[2:])
    if parts[1] == SPECIFICATIONS and len(parts) == 3:
        return parts[0], f"specs/{parts[2][:-3]}/index.md"
    return None


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


def base_urls(repo: Repository, pairs: list[str] = (), source: str = "--base-url") -> dict[str, str]:
    """Where each site is served: production, unless `SITE=URL` pairs say otherwise
    (a staging copy; `source` names the option that gave them, for the message)."""
    urls = {site.name: site.production_url for site in repo.sites}
    for pair in pairs:
        name, _, url = pair.partition("=")
        if name not in urls:
            raise SpecSitesError(Problem(source, 0, f"{pair!r}: " + unknown_site(name, list(urls))))
        if not usable_http_url(url):
            raise SpecSitesError(Problem(source, 0, f"{pair!r} is not SITE=URL with an http(s) URL; write it like {name}=https://example.org/{name}/"))
        urls[name] = url.rstrip("/") + "/"
    return urls


def watched_paths(repo: Repository, site: Site) -> list[Path]:
    """What a site's build reads, to rebuild when it changes, and nothing else: the
    site's mkdocs.yml, pages and spec sources; the shared docs (pages, snippets, theme
    overrides, assets); the base config, the map and the inventory; a theme folder a
    config names elsewhere in the repository; git's tags (the spec versions).

    Paths that do not exist yet are listed too (a site's first spec creates its
    specifications/): the watch sees them appear. Anything else in the tree, such as
    the site/ a plain `mkdocs build` writes into the site's folder, a tool's cache or
    a stray file, is not read by the build and rebuilds nothing.
    """
    paths = [
        site.config_file, site.docs_dir, site.specifications_dir,
        repo.shared_docs, repo.root / BASE_CONFIG, repo.redirects_file, repo.root / INVENTORY,
        *theme_folders(repo, site), *tag_files(repo.root),
    ]
    return list(dict.fromkeys(paths))


def theme_folders(repo: Repository, site: Site) -> list[Path]:
    """The theme override folders (custom_dir) the site's and the base config name,
    inside the repository and outside the folders watched anyway."""
    found = []
    for config in (site.config_file, repo.root / BASE_CONFIG):
        try:
            settings, _ = read_mkdocs_yml(config, str(config))
        except SpecSitesError:
            continue  # the build reports it; the config itself is watched
        theme = settings.get("theme")
        custom = theme.get("custom_dir") if isinstance(theme, dict) else None
        if not isinstance(custom, str):
            continue
        folder = Path(os.path.normpath(site.folder / custom))
        inside = folder.is_relative_to(repo.root) and folder != repo.root
        if inside and not any(folder.is_relative_to(covered) for covered in (site.docs_dir, repo.shared_docs)):
            found.append(folder)
    return found


def renamed_page(repo: Repository, site: str, path: str) -> str:
    """Where git shows the source of site's page at path (a URL path) renamed to, as a
    redirects.yml target ("/new" on the same site, "other:/new"); "" if git shows no
    rename, or it is not a page now."""
    key = page_key(path)
    parts = key.split("/")
    folder = repo.root / site
    candidates = [f"docs/{key}.md", f"docs/{key}/index.md", f"docs/{key}/README.md"] if key else ["docs/index.md"]
    if len(parts) == 2 and parts[0] == "specs":
        candidates.append(f"{SPECIFICATIONS}/{parts[1]}.md")
    for candidate in candidates:
        if (folder / candidate).exists():
            continue
        try:
            found = git_rename(repo.root, f"{site}/{candidate}")
        except (GitError, OSError):
            return ""
        if found is None:
            continue
        new = found[0].split("/")
        if len(new) < 3 or new[0] not in repo.names or not found[0].endswith(".md"):
            return ""
        rel = "/".join(new[2:]) if new[1] == "docs" else f"specs/{new[2][:-3]}/index.md" if new[1] == SPECIFICATIONS and len(new) == 3 else ""
        if not rel:
            return ""
        html = rel[:-3] + ".html"
        url = "/" + (html[: -len("index.html")] if html == "index.html" or html.endswith("/index.html") else html[:-5])
        return url if new[0] == site else f"{new[0]}:{url}"
    return ""

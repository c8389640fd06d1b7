"""The specsites configuration: the plugin's options in the repository's base
mkdocs.yml, read once, with every bad field a `file:line: what; what to do` problem.

The plugin (in any build, a plain `mkdocs build` too) and every command read this one
object (Settings, through sites.load_repository); MkDocs' own schema for the options
(SpecSitesConfig) only declares them, so that MkDocs accepts them.

    plugins:
      - specsites:
          sites: [wg1-connectivity, wg3-customer-data]   # site folders under the root
          root: ..                  # the repository root, seen from a site's folder
          redirects: redirects.yml  # the map of moved pages, relative to the root
          source_url: https://github.com/ORG/REPO/blob/main/   # optional
          destinations:             # optional: where `specsites publish` commits each site
            wg1-connectivity: {remote: https://..., branch: gh-pages}
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c

from specsites.sources.destinations import RemoteBranch, configured_destinations
from specsites.errors import Problem, SpecSitesError, raise_if_any
from specsites.urls import usable_http_url
from specsites.sources.yaml_nodes import get, is_null, is_str, line, plain, read_file

BASE_CONFIG = "mkdocs.yml"
PLUGIN = "specsites"
OPTIONS = ("sites", "root", "redirects", "source_url", "destinations", "engine")
ENGINES = ("mkdocs", "zensical")  # what renders the pages of `specsites build` (engines/)
_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class SpecSitesConfig(base.Config):
    """The options as MkDocs sees them: declared, not judged (read_config judges them,
    with lines). `root` finds the repository from a site's mkdocs.yml."""

    sites = c.Optional(c.Type(list))
    root = c.Type(str, default="..")
    redirects = c.Optional(c.Type(str))
    source_url = c.Optional(c.Type(str))
    destinations = c.Optional(c.Type(dict))
    engine = c.Optional(c.Type(str))


@dataclass(frozen=True)
class Settings:
    """The validated options of the base mkdocs.yml."""

    root: Path  # the repository: the folder of the base mkdocs.yml
    sites: tuple[str, ...]  # site folders, in the order given, each once
    redirects: str = "redirects.yml"  # relative to root
    source_url: str = ""  # where a spec's source is shown: source_url + its path
    destinations: dict[str, RemoteBranch] = field(default_factory=dict)
    sites_line: int = 1  # of `sites:`, for problems found later (a folder not listed)
    sites_readable: bool = True  # False when sites: is not a list: nothing more to say about them
    engine: str = "mkdocs"  # what `specsites build` renders with, unless --engine says otherwise

    @property
    def redirects_file(self) -> Path:
        return self.root / self.redirects


def read_mkdocs_yml(path: Path, display: str, missing: str = "every site folder needs a mkdocs.yml", repository: Path | None = None) -> tuple[dict, yaml.Node]:
    """A mkdocs.yml's settings (MkDocs' tags read as None) and its root node (for lines).
    repository: the root it must be a regular file inside (source_files.py)."""
    root = read_file(path, display, missing, aliases=True, root=repository)
    data = plain(root)
    if not isinstance(data, dict):
        raise SpecSitesError(Problem(display, line(root) if root is not None else 1, "expected a mapping of MkDocs settings, like `site_name: ...`"))
    return data, root


def plugin_node(root: yaml.Node) -> tuple[yaml.Node | None, int] | None:
    """(the specsites options' node, the line naming the plugin), or None when the
    file's plugins do not list specsites."""
    plugins = get(root, "plugins")
    for entry in plugins.value if isinstance(plugins, yaml.SequenceNode) else []:
        if is_str(entry) and entry.value == PLUGIN:
            return None, line(entry)
        if isinstance(entry, yaml.MappingNode):
            for key, value in entry.value:
                if is_str(key) and key.value == PLUGIN:
                    return value, line(key)
    if isinstance(plugins, yaml.MappingNode):  # MkDocs also takes plugins as a mapping
        for key, value in plugins.value:
            if is_str(key) and key.value == PLUGIN:
                return value, line(key)
    return None


def lists_sites(path: Path) -> bool:
    """Whether path is a mkdocs.yml whose specsites plugin lists sites: a repository's base."""
    try:
        _, root = read_mkdocs_yml(path, str(path))
    except SpecSitesError:
        return False
    found = plugin_node(root)
    return found is not None and isinstance(get(found[0], "sites"), yaml.SequenceNode)


def read_config(root: Path) -> tuple[Settings, list[Problem]]:
    """The options of root's base mkdocs.yml, leaving out each bad value, and a
    problem for each; a file that cannot be read at all raises SpecSitesError."""
    root = root.resolve()
    _, node = read_mkdocs_yml(root / BASE_CONFIG, BASE_CONFIG, "run in the repository, or pass -f path/to/mkdocs.yml", root)
    problems: list[Problem] = []

    def problem(at: int, message: str) -> None:
        problems.append(Problem(BASE_CONFIG, at, message))

    found = plugin_node(node)
    if found is None:
        raise SpecSitesError(Problem(BASE_CONFIG, 1, "no specsites plugin; add it under plugins: with its sites (README: Add a site)"))
    options, plugin_line = found
    if options is not None and not is_null(options) and not isinstance(options, yaml.MappingNode):
        raise SpecSitesError(Problem(BASE_CONFIG, line(options), "the specsites plugin's options must be settings like `sites:`; fix its indentation"))
    given = {key.value: value for key, value in (options.value if isinstance(options, yaml.MappingNode) else []) if is_str(key)}
    for key, _ in options.value if isinstance(options, yaml.MappingNode) else []:
        if not is_str(key) or key.value not in OPTIONS:
            problem(line(key), f"specsites: unknown setting {plain(key)!r}; use {', '.join(OPTIONS)}")

    sites = _sites(given.get("sites"), plugin_line, problem)
    readable = sites is not None
    sites_line = next((line(k) for k, _ in options.value if is_str(k) and k.value == "sites"), plugin_line) if options is not None and not is_null(options) else plugin_line

    redirects = "redirects.yml"
    if (value := given.get("redirects")) is not None and not is_null(value):
        text = value.value if is_str(value) else ""
        normal = posixpath.normpath(text) if text else ""
        if not text or text.startswith("/") or normal.startswith("..") or "\\" in text or normal == ".":
            problem(line(value), f"redirects: {plain(value)!r} is not a file in the repository; give its path from the repository root, like redirects: redirects.yml")
        else:
            redirects = normal

    if (value := given.get("root")) is not None:
        text = value.value if is_str(value) else ""
        if not text or posixpath.normpath(posixpath.join("site", text)) != ".":
            problem(line(value), f"root: {plain(value)!r} is not the repository seen from a site's folder; write root: ..")

    source_url = ""
    if (value := given.get("source_url")) is not None and not is_null(value):
        if is_str(value) and usable_http_url(value.value):
            source_url = value.value
        else:
            problem(line(value), f"source_url: {plain(value)!r} is not an http(s) URL; give the address a source file is shown at, ending with /, like https://github.com/ORG/REPO/blob/main/")

    engine = "mkdocs"
    if (value := given.get("engine")) is not None and not is_null(value):
        if is_str(value) and value.value in ENGINES:
            engine = value.value
        else:
            problem(line(value), f"engine: {plain(value)!r} is not an engine specsites builds with; use one of: {', '.join(ENGINES)}")

    destinations: dict[str, RemoteBranch] = {}
    if readable:  # destinations name sites: judged against a list that says which
        destinations, more = configured_destinations(given.get("destinations"), sites, root, BASE_CONFIG)
        problems += more
    settings = Settings(root, tuple(sites or ()), redirects, source_url, destinations, sites_line, readable, engine)
    return settings, problems


def load_config(root: Path) -> Settings:
    """read_config, raising SpecSitesError with every problem."""
    settings, problems = read_config(root)
    raise_if_any(problems)
    return settings


def _sites(node: yaml.Node | None, plugin_line: int, problem) -> list[str] | None:
    """The site folders listed under sites:, each once; None when sites: is not a list."""
    if node is None or is_null(node) or (isinstance(node, yaml.SequenceNode) and not node.value):
        problem(plugin_line, "no sites listed; list the site folders under plugins: - specsites: sites:")
        return []
    if not isinstance(node, yaml.SequenceNode):
        problem(line(node), "sites must be a list of site folders, like `sites: [wg1-connectivity]`; write one `- folder` line each")
        return None
    sites: list[str] = []
    lines: dict[str, int] = {}
    for entry in node.value:
        name = plain(entry)
        if not is_str(entry) or not _FOLDER.fullmatch(entry.value):
            problem(line(entry), f"site {name!r} is not a folder name; list folders directly under the repository root")
        elif name in lines:
            problem(line(entry), f"site {name} is listed twice, so two builds would share site/{name}; list each site folder once")
        else:
            sites.append(name)
            lines[name] = line(entry)
    return sites

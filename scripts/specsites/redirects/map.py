"""Reads redirects.yml into rules, collecting every problem with its line.

Pure: text in, rules (or a SpecSitesError listing every problem) out. Knows the site
names but not their pages; checking targets against pages is the planner's job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from specsites.errors import Problem, SpecSitesError, unknown_site
from specsites.urls import ID_PATTERN, PATH_PATTERN, page_key, usable_http_url
from specsites.sources.yaml_nodes import compose, is_null, is_str
from specsites.sources.yaml_nodes import line as node_line

# Old and new paths are URL paths; these characters are safe in HTML, JavaScript,
# nginx and _redirects without quoting (percent-encode anything else).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Target:
    """Where an old URL goes: a path on one of our sites, or an external URL."""

    site: str = ""  # "" for an external URL
    path: str = ""  # as written, e.g. "/specs/cdsc-wg3-01/" or "/new/*"
    anchor: str = ""
    external: str = ""


@dataclass(frozen=True)
class Rule:
    line: int
    site: str  # the site the old URL was published on
    source: str  # the old path as written, without its anchor
    anchor: str  # an old section id, for `old#heading: new#heading`; "" for the whole page
    target: Target

    @property
    def is_folder(self) -> bool:
        return self.source.endswith("/*")

    @property
    def key(self) -> str:
        return page_key(self.source[:-1] if self.is_folder else self.source)


def parse_redirects(data: bytes, site_names: list[str], filename: str = "redirects.yml") -> tuple[list[Rule], list[Problem]]:
    """The valid rules of a redirects.yml and a problem for each invalid one.

    A file that cannot be read as a whole (not UTF-8, not YAML, too big, aliases)
    raises SpecSitesError instead.
    """
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(filename, line, message))

    root = compose(data, filename)
    if root is None:
        return [], []
    if not isinstance(root, yaml.MappingNode):
        raise SpecSitesError(Problem(filename, node_line(root), "expected a mapping of site folders to their moved pages, like `wg3-customer-data:`"))

    rules: list[Rule] = []
    seen_sites: dict[str, int] = {}
    seen_sources: dict[tuple[str, str, str], int] = {}
    for site_node, entries in root.value:
        line = node_line(site_node)
        site = site_node.value if is_str(site_node) else None
        if site is None:
            problem(line, "a site must be a folder name like `wg3-customer-data:`")
            continue
        if site in seen_sites:
            problem(line, f"site {site} is listed twice (first at line {seen_sites[site]}); merge its entries under one `{site}:`")
            continue
        seen_sites[site] = line
        if site not in site_names:
            problem(line, unknown_site(site, site_names))
            continue
        if is_null(entries):
            continue
        if not isinstance(entries, yaml.MappingNode):
            problem(node_line(entries), f"expected old paths mapped to new paths under {site}:, like `/old: /new`")
            continue
        for source_node, target_node in entries.value:
            line = node_line(source_node)
            if not is_str(source_node):
                problem(line, "an old path must be text starting with /, like `/specs/old/`")
                continue
            if not is_str(target_node) or not target_node.value:
                problem(line, f"the new place for {_show(source_node.value)} must be text: a path like /new, site:/new, or an https:// URL")
                continue
            rule, error = _parse_rule(line, site, source_node.value, target_node.value, site_names)
            if error:
                problem(line, error)
                continue
            assert rule is not None
            ident = (site, rule.key + ("/*" if rule.is_folder else ""), rule.anchor)
            if ident in seen_sources:
                problem(line, f"{_show(source_node.value)} on {site} is already redirected at line {seen_sources[ident]}; keep one of the two entries")
                continue
            seen_sources[ident] = line
            rules.append(rule)
    return rules, problems


def _parse_rule(line: int, site: str, source: str, target: str, site_names: list[str]) -> tuple[Rule | None, str]:
    source_path, _, source_anchor = source.partition("#")
    error = _check_path(source_path, "old path") or _check_anchor(source_anchor, source)
    if error:
        return None, error
    parsed, error = _parse_target(target, site, site_names)
    if error:
        return None, error
    assert parsed is not None
    folder_source = source_path.endswith("/*")
    folder_target = parsed.path.endswith("/*")
    if folder_source != folder_target or (folder_source and source_anchor):
        return None, f"a folder move needs /* on both sides, like `/old/*: /new/*`; got {_show(source)}: {_show(target)}"
    return Rule(line=line, site=site, source=source_path, anchor=source_anchor, target=parsed), ""


def _parse_target(target: str, site: str, site_names: list[str]) -> tuple[Target | None, str]:
    if _CONTROL.search(target):
        return None, f"new place {_show(target)} contains a control character; remove it"
    named_site, colon, rest = target.partition(":")
    if colon and named_site in site_names:
        site, target = named_site, rest
    elif re.match(r"[A-Za-z]:[/\\]", target):
        return None, f"{_show(target)} looks like a file path; write the URL path, like /specs/x/"
    elif scheme := re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", target):
        if scheme.group(1).lower() in ("http", "https"):
            if not usable_http_url(target):
                return None, f"{_show(target)} is not a usable URL; write it as https://host/path with special characters percent-encoded"
            return Target(external=target), ""
        after = target[scheme.end():]
        if after.startswith("/") and not after.startswith("//"):
            return None, unknown_site(scheme.group(1), site_names, _show(target))
        return None, f"{_show(target)}: only https:// and http:// URLs may be targets; use a path like /new or site:/new"
    path, _, anchor = target.partition("#")
    error = _check_path(path, "new path") or _check_anchor(anchor, target)
    if error:
        return None, error
    return Target(site=site, path=path, anchor=anchor), ""


def _check_path(path: str, what: str) -> str:
    if _CONTROL.search(path):
        return f"{what} {_show(path)} contains a control character; remove it"
    if "\\" in path:
        return f"{what} {_show(path)} contains a backslash; URL paths use /"
    if re.match(r"[A-Za-z]:[/\\]|~", path):
        return f"{what} {_show(path)} looks like a file path; write the URL path, like /specs/x/"
    if not path.startswith("/"):
        return f"{what} {_show(path)} must start with /, like /specs/x/"
    if any(segment in ("..", ".") for segment in path.split("/")):
        return f"{what} {_show(path)} contains a . or .. segment; write the path from the site root"
    if "//" in path:
        return f"{what} {_show(path)} contains an empty segment (//); remove the extra /"
    if not PATH_PATTERN.fullmatch(path):
        return f"{what} {_show(path)} may hold only letters, digits and - . _ ~ % + @ / (and a final /* for a folder); percent-encode the rest"
    return ""


def _check_anchor(anchor: str, whole: str) -> str:
    if anchor and not ID_PATTERN.fullmatch(anchor):
        return f"anchor in {_show(whole)} may hold only letters, digits and - _ . :; use the heading's id"
    return ""


def _show(value: object) -> str:
    """A value quoted for an error line, shortened, with control characters made visible."""
    text = value if isinstance(value, str) else str(value)
    text = text[:80] + ("..." if len(text) > 80 else "")
    return "'" + _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) + "'"

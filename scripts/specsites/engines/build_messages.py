"""MkDocs' build warnings, rewritten as `file:line: what is wrong; what to do`.

Pure apart from reading the page that holds the problem, to find its line.
"""
from __future__ import annotations

import difflib
import posixpath
import re
from pathlib import Path

from specsites.errors import Problem
from specsites.checks.site_checks import line_of_text
from specsites.sources.sites import SPECIFICATIONS, Repository, Site, added_sources

_BROKEN_LINK = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the target (?:'([^']+)' )?is not found among documentation files\.(?: Did you mean '[^']+'\?)?")
# A link with no file extension (`specs`, `overview`): MkDocs cannot tell which page it means.
_UNRECOGNIZED_LINK = re.compile(r"Doc file '([^']+)' contains an unrecognized relative link '([^']+)', it was left as is\.(?: Did you mean '([^']+)'\?)?")
_MISSING_ANCHOR = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the doc '([^']+)' does not contain an anchor '#([^']+)'\.")
_SAME_PAGE_ANCHOR = re.compile(r"Doc file '([^']+)' contains a link '(#[^']*)', but there is no such anchor on this page\.(?: .*)?")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_HEADING_ID = re.compile(r"\{[^}]*#([\w.:-]+)[^}]*\}\s*$")
_HTML_ID = re.compile(r"""\bid=["']([^"']+)["']""")
# MkDocs' one warning for every page left out of the nav, a line per page after it.
_NOT_IN_NAV_HEAD = "The following pages exist in the docs directory, but are not included in the \"nav\" configuration:"
_NOT_IN_NAV = re.compile(r"The page '(.+)' exists in the docs directory, but is not included in the \"nav\" configuration\.")
_CONFLICT = re.compile(r"Excluding '(.+)' from the site because it conflicts with '(.+)'\.")
_NAV_MISSING = re.compile(r"A reference to '([^']+)' is included in the 'nav' configuration, which is not found in the documentation files\.")


def message_lines(message: str) -> list[str]:
    """A logged MkDocs message as lines that each say one thing: the not-in-nav
    warning becomes one line per page (its head alone says nothing)."""
    lines = message.splitlines()
    if lines and lines[0].strip() == _NOT_IN_NAV_HEAD:
        pages = [line.strip().removeprefix("- ").strip() for line in lines[1:] if line.strip()]
        return [f"The page '{page}' exists in the docs directory, but is not included in the \"nav\" configuration." for page in pages]
    return lines


def explain(message: str, repo: Repository, site: Site) -> Problem:
    """The message as a problem at the source file and line, with what to do; a
    message it does not know stays as it is, under the site's name."""
    if match := _BROKEN_LINK.fullmatch(message):
        page, href, target = match.groups()
        target = target or posixpath.normpath(posixpath.join(posixpath.dirname(page), href.partition("#")[0]))
        renamed = _renamed(repo, site, target)  # git's word before any guess by spelling
        near = [renamed] if renamed else difflib.get_close_matches(target, _pages(repo, site), n=1)
        if near and "://" in near[0]:
            hint = f"git shows the page moved to {near[0]}; link there, or run scripts/check --fix to mend every link to it"
        elif renamed:
            hint = f"git shows the page moved: link to {posixpath.relpath(renamed, posixpath.dirname(page) or '.')}, or run scripts/check --fix to mend every link to it"
        else:
            hint = f"did you mean {posixpath.relpath(near[0], posixpath.dirname(page) or '.')}?" if near else "point it at an existing page"
        return Problem(*_where(repo, site, page, href), f"the link '{href}' goes to no page; {hint}")
    if match := _UNRECOGNIZED_LINK.fullmatch(message):
        page, href, suggested = match.groups()
        hint = f"did you mean {suggested}?" if suggested else "link to the page's .md file"
        return Problem(*_where(repo, site, page, href), f"the link '{href}' names no page's .md file, so it is not checked and may not land; {hint}")
    if match := _MISSING_ANCHOR.fullmatch(message):
        page, href, target, anchor = match.groups()
        return Problem(*_where(repo, site, page, href), f"the link '{href}' names no section of {target}; use one of its heading ids, or add {{#{anchor}}} to a heading")
    if match := _SAME_PAGE_ANCHOR.fullmatch(message):
        page, href = match.groups()
        near = difflib.get_close_matches(href[1:], _source_ids(_source(repo, site, page)), n=1)
        hint = f"did you mean #{near[0]}?" if near else "use one of the page's heading ids, or add {" + href + "} to a heading"
        return Problem(*_where(repo, site, page, href), f"the link '{href}' names no section of this page; {hint}")
    if match := _NOT_IN_NAV.fullmatch(message):
        return Problem(f"{site.name}/mkdocs.yml", line_starting(site.config_file, "nav:"), f"{match.group(1)} is in docs/ but not in the nav; add it")
    if match := _CONFLICT.fullmatch(message):
        left_out, kept = match.groups()
        return Problem(_where(repo, site, left_out, "")[0], 1, f"{left_out} and {kept} would be the same page, so {left_out} is left out; rename or delete one of them")
    if match := _NAV_MISSING.fullmatch(message):
        config = site.config_file
        return Problem(f"{site.name}/mkdocs.yml", _line_of(config, match.group(1)), f"nav names {match.group(1)}, which does not exist; create it or fix the nav entry")
    return Problem(site.name, 0, message)


def _renamed(repo: Repository, site: Site, target: str) -> str:
    """Where git shows the source of a docs path of this site renamed to: a docs path
    of this site, or the production URL of another site's page ("" if git shows none)."""
    from specsites.machinery.git_utils import git_rename

    parts = target.split("/")
    spec = len(parts) == 3 and parts[0] == "specs" and parts[2] == "index.md"
    source = site.folder / SPECIFICATIONS / f"{parts[1]}.md" if spec else site.docs_dir / target
    if source.exists() or not source.is_relative_to(repo.root):
        return ""
    found = git_rename(repo.root, source.relative_to(repo.root).as_posix())
    if found is None:
        return ""
    new = found[0].split("/")
    if len(new) < 3 or new[0] not in repo.names or not found[0].endswith(".md"):
        return ""
    if new[1] == "docs":
        rel = "/".join(new[2:])
    elif new[1] == SPECIFICATIONS and len(new) == 3:
        rel = f"specs/{new[2][:-3]}/index.md"
    else:
        return ""
    if new[0] == site.name:
        return rel
    html = rel[:-3] + ".html"
    url = html[: -len("index.html")] if html == "index.html" or html.endswith("/index.html") else html[:-5]
    return repo.site(new[0]).production_url + url


def _pages(repo: Repository, site: Site) -> list[str]:
    own = [p.relative_to(site.docs_dir).as_posix() for p in site.docs_dir.rglob("*.md")]
    return own + list(added_sources(repo, site))


def _source(repo: Repository, site: Site, page: str) -> Path:
    """The file a docs path is rendered from: the site's own page, a shared page or a
    spec source (whose docs path, specs/<id>/index.md, is generated)."""
    source = site.docs_dir / page
    return source if source.exists() else added_sources(repo, site).get(page, source)


def _source_ids(source: Path) -> list[str]:
    """The ids a page's headings and HTML give it, as the toc extension makes them."""
    from markdown.extensions.toc import slugify

    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return []
    ids = _HTML_ID.findall(text)
    for line in text.splitlines():
        if heading := _HEADING.match(line):
            explicit = _HEADING_ID.search(heading.group(1))
            ids.append(explicit.group(1) if explicit else slugify(heading.group(1), "-"))
    return ids


def _where(repo: Repository, site: Site, page: str, needle: str) -> tuple[str, int]:
    """The file and line of a docs page (own, shared or spec source) where needle appears."""
    source = _source(repo, site, page)
    shown = source.relative_to(repo.root).as_posix() if source.is_relative_to(repo.root) else str(source)
    return shown, _line_of(source, needle)


def line_starting(path: Path, key: str) -> int:
    """The first line of path that starts with key, such as a top-level key (1 when none does)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    return next((number for number, line in enumerate(lines, 1) if line.startswith(key)), 1)


def _line_of(path: Path, needle: str) -> int:
    try:
        return line_of_text(path.read_text(encoding="utf-8"), needle)
    except OSError:
        return 1

"""MkDocs' build warnings, rewritten as `file:line: what is wrong; what to do`.

Pure apart from reading the page that holds the problem, to find its line.
"""
from __future__ import annotations

import difflib
import posixpath
import re
from pathlib import Path

from specsites.sites import Repository, Site, added_sources

_BROKEN_LINK = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the target (?:'([^']+)' )?is not found among documentation files\.")
_MISSING_ANCHOR = re.compile(r"Doc file '([^']+)' contains a link '([^']+)', but the doc '([^']+)' does not contain an anchor '#([^']+)'\.")
_NAV_MISSING = re.compile(r"A reference to '([^']+)' is included in the 'nav' configuration, which is not found in the documentation files\.")


def explain(message: str, repo: Repository, site: Site) -> str:
    """The message with the source file and line, and what to do; unchanged if unknown."""
    if match := _BROKEN_LINK.fullmatch(message):
        page, href, target = match.groups()
        target = target or posixpath.normpath(posixpath.join(posixpath.dirname(page), href.partition("#")[0]))
        near = difflib.get_close_matches(target, _pages(repo, site), n=1)
        hint = f"did you mean {posixpath.relpath(near[0], posixpath.dirname(page) or '.')}?" if near else "point it at an existing page"
        return f"{_where(repo, site, page, href)}: the link '{href}' goes to no page; {hint}"
    if match := _MISSING_ANCHOR.fullmatch(message):
        page, href, target, anchor = match.groups()
        return f"{_where(repo, site, page, href)}: the link '{href}' names no section of {target}; use one of its heading ids, or add {{#{anchor}}} to a heading"
    if match := _NAV_MISSING.fullmatch(message):
        config = site.config_file
        return f"{site.name}/mkdocs.yml:{_line_of(config, match.group(1))}: nav names {match.group(1)}, which does not exist; create it or fix the nav entry"
    return f"{site.name}: {message}"


def _pages(repo: Repository, site: Site) -> list[str]:
    own = [p.relative_to(site.docs_dir).as_posix() for p in site.docs_dir.rglob("*.md")]
    return own + list(added_sources(repo, site))


def _where(repo: Repository, site: Site, page: str, needle: str) -> str:
    """`path:line` of a docs page (own, shared or spec source) where needle appears."""
    source = site.docs_dir / page
    if not source.exists():
        source = added_sources(repo, site).get(page, source)
    shown = source.relative_to(repo.root).as_posix() if source.is_relative_to(repo.root) else str(source)
    return f"{shown}:{_line_of(source, needle)}"


def _line_of(path: Path, needle: str) -> int:
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if needle in line:
                return number
    except OSError:
        pass
    return 1

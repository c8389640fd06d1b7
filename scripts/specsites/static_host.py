"""How GitHub Pages answers a path, over a built site folder. Reads files only.

`/x` serves `x.html` (or `x` itself); `/x` for a folder answers 301 to `/x/`;
`/x/` serves `x/index.html`; anything else is the site's 404.html with status 404.
Used by the static check, and by the test server that stands in for GitHub Pages.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote


@dataclass(frozen=True)
class Answer:
    status: int  # 200, 301 or 404
    file: Path | None = None  # what is served (for 404: the site's 404.html, if any)
    location: str = ""  # for 301: the path to go to


def answer(site_dir: Path, path: str) -> Answer:
    """What GitHub Pages serves for a URL path (no query, no fragment) of one site."""
    rel = unquote(path).lstrip("/")
    parts = rel.split("/")
    if any(p in ("..", ".") for p in parts) or "\\" in rel or "\x00" in rel:
        return _not_found(site_dir)
    target = site_dir / rel
    if rel == "" or rel.endswith("/"):
        index = target / "index.html"
        return Answer(200, index) if index.is_file() else _not_found(site_dir)
    if target.is_file():
        return Answer(200, target)
    if target.with_name(target.name + ".html").is_file():
        return Answer(200, target.with_name(target.name + ".html"))
    if target.is_dir() and (target / "index.html").is_file():
        return Answer(301, location="/" + rel + "/")
    return _not_found(site_dir)


def _not_found(site_dir: Path) -> Answer:
    page = site_dir / "404.html"
    return Answer(404, page if page.is_file() else None)

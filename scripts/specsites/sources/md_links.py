"""The links written in a Markdown page, with where each stands in the text.

Pure. Finds inline links `[text](dest "title")`, reference definitions
`[name]: dest` and autolinks `<https://...>` outside fenced code, so a move can
rewrite exactly the destinations and nothing else.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s()<>]+)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    line: int
    start: int  # offsets of the destination in the whole text (without <>)
    end: int
    dest: str


def find_links(markdown: str) -> list[Link]:
    links: list[Link] = []
    offset = 0
    fenced = False
    for number, text in enumerate(markdown.splitlines(keepends=True), 1):
        if _FENCE.match(text):
            fenced = not fenced
        elif not fenced:
            for pattern in (_INLINE, _REFERENCE, _AUTOLINK):
                for match in pattern.finditer(text):
                    start, end = match.span(1)
                    if text[start] == "<" and pattern is not _AUTOLINK:
                        start, end = start + 1, end - 1
                    links.append(Link(number, offset + start, offset + end, text[start:end]))
        offset += len(text)
    return sorted(links, key=lambda link: link.start)


def relative_target(dest: str, from_rel: str, pages_only: bool = True) -> tuple[str, str] | None:
    """(docs path, "#fragment" or "?query...") of a relative link to a Markdown page
    (or, not pages_only, to any file) written in the page at docs path from_rel;
    None for any other link."""
    if not dest or dest.startswith(("/", "#")) or _SCHEME.match(dest):
        return None
    cut = min((i for i in (dest.find("#"), dest.find("?")) if i != -1), default=len(dest))
    path, rest = dest[:cut], dest[cut:]
    if not path or (pages_only and not path.endswith(".md")):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_rel), path))
    if joined.startswith("../") or joined == "..":
        return None
    return joined, rest


def relative_link(to_rel: str, from_rel: str) -> str:
    """The link from the page at docs path from_rel to the page at to_rel."""
    return posixpath.relpath(to_rel, posixpath.dirname(from_rel) or ".")

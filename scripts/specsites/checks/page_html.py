"""What a checker needs from a served HTML page: its ids and where it redirects to.

Regular expressions rather than an HTML parser: a check reads thousands of pages,
each carrying the whole site navigation, and a full parse cost about 20 ms a page
(benchmarks/RESULTS.md). The patterns only match inside a tag's angle brackets.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from specsites.redirects.data import read_redirect_data

# Starts with the literal "id" so the engine can skip ahead; _ids checks the rest.
_ID = re.compile(r"""id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""")
_META_REFRESH = re.compile(r"""<meta\s[^<>]*?http-equiv\s*=\s*["']?refresh["']?[^<>]*>""", re.IGNORECASE)
_CONTENT = re.compile(r"""\scontent\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_REFRESH_URL = re.compile(r"^\s*\d+\s*[;,]\s*url\s*=\s*['\"]?([^'\"]*)", re.IGNORECASE)


@dataclass
class PageInfo:
    ids: frozenset[str] = frozenset()
    refresh: str = ""  # meta refresh URL
    script_to: str = ""  # the redirect script's page target
    script_anchors: dict[str, str] = field(default_factory=dict)

    def next_url(self, fragment: str) -> str:
        """Where a browser goes next, with the redirect script run: "" to stay."""
        return (fragment and self.script_anchors.get(fragment)) or self.script_to or self.refresh


def parse_page(text: str) -> PageInfo:
    info = PageInfo()
    head_end = text.find("</head>")
    head = text if head_end < 0 else text[:head_end]
    if data := read_redirect_data(head):
        info.script_to, info.script_anchors = data.to, data.anchors
        if info.script_to:
            return info  # a redirect page: it always leaves, its own ids do not matter
    if meta := _META_REFRESH.search(head):
        if content := _CONTENT.search(meta.group(0)):
            if url := _REFRESH_URL.match(html.unescape(content.group(1) or content.group(2))):
                info.refresh = url.group(1).strip()
    # Section ids live in the content; the theme's navigation around it holds
    # thousands of tags and none of the ids links point at.
    start, end = text.find("<article"), text.rfind("</article>")
    content = text[start:end] if 0 <= start < end else text
    info.ids = _ids(content)
    return info


def _ids(text: str) -> frozenset[str]:
    """The values of id attributes: `id=` after a space, inside a tag's angle brackets."""
    return frozenset(id_values(text))


def id_values(text: str) -> list[str]:
    """Every id attribute's value in order, repeats included (a page's ids must be unique)."""
    ids = []
    for match in _ID.finditer(text):
        at = match.start()
        if at > 0 and text[at - 1].isspace() and text.rfind("<", 0, at) > text.rfind(">", 0, at):
            a, b, c = match.groups()
            ids.append(html.unescape(a or b or c))
    return ids

"""What a checker needs from a served HTML page: its ids and where it redirects to.

Regular expressions rather than an HTML parser: a check reads thousands of pages,
each carrying the whole site navigation, and a full parse cost about 20 ms a page
(benchmarks/RESULTS.md). The patterns only match inside a tag's angle brackets.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import NamedTuple

from specsites.redirects.data import ScriptReading, read_script

# Starts with the literal "id" so the engine can skip ahead; _ids checks the rest.
_ID = re.compile(r"""id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""")
_META_REFRESH = re.compile(r"""<meta\s[^<>]*?http-equiv\s*=\s*["']?refresh["']?[^<>]*>""", re.IGNORECASE)
_CONTENT = re.compile(r"""\scontent\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_REFRESH_URL = re.compile(r"^\s*\d+\s*[;,]\s*url\s*=\s*['\"]?([^'\"]*)", re.IGNORECASE)


@dataclass
class PageInfo:
    ids: frozenset[str] = frozenset()
    refresh: str = ""  # meta refresh URL
    refresh_noscript: bool = False  # the refresh is inside <noscript>: a browser running scripts ignores it
    script: ScriptReading | None = None  # our redirect script and its data block, if the page has either

    @property
    def script_to(self) -> str:
        """The page target of the redirect script's data block, as text; "" if none."""
        return self.script.to if self.script and isinstance(self.script.to, str) and not self.script.problem else ""

    @property
    def script_anchors(self) -> dict[str, str]:
        anchors = self.script.anchors if self.script and not self.script.problem else None
        return {k: v for k, v in anchors.items() if isinstance(v, str) and v} if isinstance(anchors, dict) else {}

    @property
    def redirects(self) -> bool:
        """Whether the page is there to send a browser on (a redirect page): it has a
        meta refresh, or its data block names a page target. Its own ids do not count."""
        return bool(self.refresh or self.script_to)

    def next_url(self, fragment: str) -> str:
        """Where a browser running scripts goes next: "" to stay."""
        return self.leads(fragment, True).target

    def leads(self, fragment: str, script: bool) -> "Lead":
        """Where a browser goes next from this page, coming for #fragment, with
        scripts run or not; stuck says why it stays on a redirect page."""
        problem = ""
        if script:
            if self.script is not None:
                target, problem = self.script.target(fragment)
                if target:
                    return Lead(target)
            if self.refresh and not self.refresh_noscript:
                return Lead(self.refresh, refresh=True)
        elif self.refresh:
            return Lead(self.refresh, refresh=True)
        if not self.redirects:
            return Lead()  # a page that stays (its moved sections aside: ids decide)
        if script:
            return Lead(stuck="stays on this redirect page with JavaScript: " + (problem or "its script sends a browser nowhere and it has no meta refresh outside <noscript>"))
        return Lead(stuck="stays on this redirect page without JavaScript: it has no meta refresh")


class Lead(NamedTuple):
    """Where a page sends a browser: target ("" to stay), by a meta refresh (which
    carries neither the query nor the #fragment it came with) or the script; or why
    it is stuck on a redirect page."""

    target: str = ""
    refresh: bool = False
    stuck: str = ""


def parse_head(head: str) -> PageInfo:
    """What a page's head says: its redirect script and meta refresh (no ids)."""
    info = PageInfo(script=read_script(head))
    if meta := _META_REFRESH.search(head):
        if content := _CONTENT.search(meta.group(0)):
            if url := _REFRESH_URL.match(html.unescape(content.group(1) or content.group(2))):
                info.refresh = url.group(1).strip()
                info.refresh_noscript = head.rfind("<noscript", 0, meta.start()) > head.rfind("</noscript", 0, meta.start())
    return info


def parse_page(text: str) -> PageInfo:
    head_end = text.find("</head>")
    info = parse_head(text if head_end < 0 else text[:head_end])
    if info.script_to:
        return info  # a redirect page: it leaves, or the check fails it; its own ids do not matter
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
    """Every id attribute's value in order, repeats included (a page's ids must be unique).

    Linear in the text: where the last "<" and ">" before a match stand is carried
    forward from the previous match, not searched for from the start each time (a
    paragraph of a million ` id=` would take hours)."""
    ids = []
    last_open = last_close = -1
    scanned = 0
    for match in _ID.finditer(text):
        at = match.start()
        last_open = max(last_open, text.rfind("<", scanned, at))
        last_close = max(last_close, text.rfind(">", scanned, at))
        scanned = at
        if at > 0 and text[at - 1].isspace() and last_open > last_close:
            a, b, c = match.groups()
            ids.append(html.unescape(a or b or c))
    return ids

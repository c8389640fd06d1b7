"""What a checker needs from a served HTML page: its ids and where it redirects to."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_REFRESH_URL = re.compile(r"^\s*\d+\s*[;,]\s*url\s*=\s*['\"]?([^'\"]*)", re.IGNORECASE)
_SCRIPT_DATA = re.compile(r"var d=(\{.*?\});var h=location\.hash")


@dataclass
class PageInfo:
    ids: set[str] = field(default_factory=set)
    refresh: str = ""  # meta refresh URL
    script_to: str = ""  # the redirect script's page target
    script_anchors: dict[str, str] = field(default_factory=dict)

    def next_url(self, fragment: str) -> str:
        """Where a browser goes next, with the redirect script run: "" to stay."""
        return (fragment and self.script_anchors.get(fragment)) or self.script_to or self.refresh


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.info.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):
            self.info.ids.add(values["name"] or "")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            match = _REFRESH_URL.match(values.get("content") or "")
            if match and not self.info.refresh:
                self.info.refresh = match.group(1).strip()
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and (match := _SCRIPT_DATA.search(data)):
            try:
                value = json.loads(match.group(1))
            except ValueError:
                return
            self.info.script_to = value.get("to") or ""
            self.info.script_anchors = value.get("anchors") or {}


def parse_page(text: str) -> PageInfo:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    return parser.info

"""Where a redirect page sends a browser: written, read by the browser and read by
the check, all here.

A redirect page (and a page that stays but lost sections) carries its targets as a
JSON data block in its head, `{"to": page target or null, "anchors": {old id:
target}}`. Its script reads the block in the browser; `read_redirect_data` reads it
for the check. One marker names the block for all three, so the writer and the
readers cannot drift apart (tests/test_page_html.py holds them together).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

MARKER = "data-specsites-redirect"  # the data block's attribute
_OPEN = f'<script type="application/json" {MARKER}>'
_CLOSE = "</script>"

# Runs before anything renders: picks the target for the incoming #fragment, keeps
# the incoming ?query (unless the target has one) and the #fragment (unless the
# target has its own anchor: never `#new#old`). Runs again on `hashchange`, so a
# link inside a page that stays, to one of its old section ids, moves on too.
_SCRIPT = (
    "<script>(function(){var d=JSON.parse(document.querySelector('script[" + MARKER + "]').textContent);"
    "function go(){var h=location.hash.slice(1);var t=(h&&d.anchors[h])||d.to;"
    "if(!t)return;var i=t.indexOf('#');var u=i<0?t:t.slice(0,i);var f=i<0?location.hash:t.slice(i);"
    "if(u.indexOf('?')<0)u+=location.search;location.replace(u+f);}go();addEventListener('hashchange',go);})();</script>"
)


@dataclass(frozen=True)
class RedirectData:
    to: str = ""  # where the page sends a browser; "" for a page that stays
    anchors: dict[str, str] = field(default_factory=dict)  # old section id -> its target

    def next_url(self, fragment: str) -> str:
        """Where the script sends a browser that came for #fragment: "" to stay."""
        return (fragment and self.anchors.get(fragment)) or self.to


def redirect_tags(data: RedirectData) -> str:
    """The data block and the script that acts on it, for a page's head.

    JSON with <, > and & escaped (and line separators, by ensure_ascii), so no
    target can end the block or open a tag.
    """
    text = json.dumps({"to": data.to or None, "anchors": data.anchors}, ensure_ascii=True, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _OPEN + text + _CLOSE + _SCRIPT


def read_redirect_data(head: str) -> RedirectData | None:
    """The data block in a page's head, as redirect_tags wrote it; None if there is none
    (or it is not what redirect_tags writes)."""
    start = head.find(_OPEN)
    if start < 0:
        return None
    start += len(_OPEN)
    end = head.find(_CLOSE, start)
    return _decoded(head[start:end]) if end >= 0 else None


_OPEN_BYTES, _CLOSE_BYTES = _OPEN.encode(), _CLOSE.encode()


def redirect_block(head: bytes) -> bytes | None:
    """The data block of a page's head, as read_redirect_data finds it, undecoded: a
    checker of 100,000 redirect pages, most sharing a few blocks, keys what it
    learns from one by these bytes (block_data decodes them)."""
    start = head.find(_OPEN_BYTES)
    if start < 0:
        return None
    start += len(_OPEN_BYTES)
    end = head.find(_CLOSE_BYTES, start)
    return head[start:end] if end >= 0 else None


def block_data(block: bytes) -> RedirectData | None:
    """read_redirect_data of the head the block was found in."""
    return _decoded(block.decode("utf-8", "replace"))


@functools.lru_cache(maxsize=4096)  # thousands of moved pages share a few hundred blocks (their targets)
def _decoded(block: str) -> RedirectData | None:
    try:
        data = json.loads(block)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    to, anchors = data.get("to") or "", data.get("anchors") or {}
    if not isinstance(to, str) or not isinstance(anchors, dict):
        return None
    return RedirectData(to, {k: v for k, v in anchors.items() if isinstance(v, str) and v})

"""Where a redirect page sends a browser: written, read by the browser and read by
the check, all here.

A redirect page (and a page that stays but lost sections) carries its targets as a
JSON data block in its head, `{"to": page target or null, "anchors": {old id:
target}}`. Its script reads the block in the browser; `read_redirect_data` reads it
back as the writer meant it, and `read_script` as the browser's script takes it
(a block that does not parse, or a script missing, stops it: the check says so). One marker names the block for all three, so the writer and the
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


# What every object a script makes from JSON has without being given it: looking
# one of these up in the anchors map finds a function, whose indexOf throws.
_INHERITED = frozenset({
    "constructor", "__proto__", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toString",
    "valueOf", "toLocaleString", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
})
_STOPS = "so its script stops before it sends a browser on"


@dataclass(frozen=True)
class ScriptReading:
    """What the page's own script does with its data block, read as a browser runs
    _SCRIPT: the block parsed as JSON.parse parses it, then `(h && d.anchors[h]) ||
    d.to` with JavaScript's truthiness and property lookup. Values as JSON gives them."""

    problem: str = ""  # why the script does not reach location.replace, whatever the fragment
    to: object = None  # d.to
    anchors: object = None  # d.anchors (None: absent or null)

    def target(self, fragment: str) -> tuple[str, str]:
        """Where location.replace sends a browser that came for #fragment ("" if the
        script leaves it on the page), and why the script stops ("" if it does not)."""
        if self.problem:
            return "", self.problem
        value: object = None
        if fragment:
            if self.anchors is None:
                return "", f"its data block has no anchors map, {_STOPS} when the URL has a #fragment"
            if isinstance(self.anchors, dict):
                if fragment in self.anchors:
                    value = self.anchors[fragment]
                elif fragment in _INHERITED:
                    return "", f"#{fragment} is a name every script object has, {_STOPS}"
        chosen = value if _truthy(value) else self.to
        if not _truthy(chosen):
            return "", ""
        if not isinstance(chosen, str):
            return "", f"a target in its data block is not text, {_STOPS}"
        return chosen, ""


def _truthy(value: object) -> bool:
    """JavaScript's truthiness of a JSON value (an empty list or object is true)."""
    if value is None or value is False or value == "":
        return False
    return not (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0)


def read_script(head: str) -> ScriptReading | None:
    """What a page's redirect script does, from the page's head; None when the head
    has neither the script nor its data block (a page without them)."""
    start = head.find(_OPEN)
    has_script = _SCRIPT in head
    if start < 0:
        if has_script or MARKER in head:
            return ScriptReading(problem=f"its script finds no data block written as specsites writes it, {_STOPS}")
        return None
    start += len(_OPEN)
    end = head.find(_CLOSE, start)
    if end < 0:
        return ScriptReading(problem=f"its data block is not closed, {_STOPS}")
    if not head.startswith(_SCRIPT, end + len(_CLOSE)):
        return ScriptReading(problem="its redirect script is missing or not the one specsites writes, so a browser with JavaScript does not run it")
    return _script_reading(head[start:end])


@functools.lru_cache(maxsize=4096)  # thousands of moved pages share a few hundred blocks
def _script_reading(block: str) -> ScriptReading:
    try:
        data = json.loads(block, parse_constant=_not_json)
    except ValueError as e:
        return ScriptReading(problem=f"its data block is not valid JSON ({e}), {_STOPS}")
    if data is None:
        return ScriptReading(problem=f"its data block is null, {_STOPS}")
    if not isinstance(data, dict):
        return ScriptReading()  # d.to and d.anchors are undefined: stays, or throws on a #fragment
    return ScriptReading(to=data.get("to"), anchors=data.get("anchors"))


def _not_json(name: str) -> object:
    """NaN and Infinity: Python's json reads them, JSON.parse does not."""
    raise ValueError(f"{name} is not JSON")


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

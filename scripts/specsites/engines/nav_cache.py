"""Material's navigation, rendered once per folder instead of once per page.

Material renders the whole site navigation into every page (partials/nav.html calls
the `render` macro of partials/nav-item.html for each item, which calls itself for the
item's children): on a 1,000-page site that is most of the build, and it grows with
pages x pages. Most of it is the same on every page: an item that neither is nor holds
the page being rendered comes out the same for every page in the same folder (its links
are relative to the page's folder). So each such item is rendered once per folder and
reused; the items on the way to the current page (active) are rendered as before.

That leaves, on every page, the loop over the children of each active section: a
section of 600 pages is 600 turns of Jinja's loop, one macro call each, even when each
call is answered from the cache (a fifth of a page's time at 3,000 pages, and growing
with the section). So that loop is made a call block whose body is the loop's body
unchanged, and a function here walks the children: it renders (through the block) only
the child on the way to the page and children not seen before in this folder, and
joins the rest from the cache.

The two templates are read through a loader that makes these changes to their source.
If Material's templates change so that a piece is not found as written, that piece is
used unchanged (still correct, only not faster). The caches live in the Jinja
environment, which MkDocs makes anew for every build, so nothing outlives the build
whose titles and pages it was rendered from.
"""
from __future__ import annotations

import re
from typing import Any

import jinja2
from markupsafe import Markup

ITEM = "specsites_nav_item"
CHILDREN = "specsites_nav_children"
# (template, the macro call as Material writes it, the call wrapped)
REWRITES = (
    ("partials/nav.html", "{{ item.render(", "{{ " + ITEM + "(item.render, "),
    ("partials/nav-item.html", "{{ render(", "{{ " + ITEM + "(render, "),
)
# nav-item.html's loop over a section's children, as Material 9 writes it (whitespace
# aside), and the call block it becomes: the same body, with loop.index an argument.
CHILDREN_LOOP = re.compile(
    r"\{% for item in nav_item\.children %\}"
    r"(?P<body>\s*\{% if not index or item != index %\}"
    r"\s*\{\{ render\(item, path ~ \"_\" ~ )loop\.index(?P<rest>, level \+ 1, nav_item\) \}\}"
    r"\s*\{% endif %\}\s*)"
    r"\{% endfor %\}"
)
CHILDREN_BLOCK = "{% call(item, loop_index) " + CHILDREN + "(nav_item, index, path, level) %}\\g<body>loop_index\\g<rest>{% endcall %}"


class _NavLoader(jinja2.BaseLoader):
    """The theme's loader, with the navigation's macro calls answered from the cache."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = self.inner.get_source(environment, template)
        return rewritten(template, source), filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def rewritten(template: str, source: str) -> str:
    """A theme template's source as the cache reads it (unchanged but for the nav's)."""
    if template == "partials/nav-item.html":
        source, loops = CHILDREN_LOOP.subn(CHILDREN_BLOCK, source)
        if loops:  # the one call of `render` is inside the loop: the block caches it
            return source
    for name, call, wrapped in REWRITES:
        if template == name:
            source = source.replace(call, wrapped)
    return source


def install(env: jinja2.Environment) -> None:
    """Serve the theme's navigation from a per-build cache (call before any template loads)."""
    if ITEM in env.globals:
        return
    items: dict[tuple, Any] = {}
    sections: dict[tuple, tuple[list, list[int]]] = {}

    @jinja2.pass_context
    def nav_item(context, macro, item, *args):
        page = context.get("page")
        if _on_the_way(item, page):
            return macro(item, *args)  # rendered for this page
        # An inactive item's parent may be active (Material reads `parent.active` with
        # tabs), hence the flags of the arguments in the key.
        key = (id(item), _place(context, page), tuple(_arg_key(a) for a in args))
        if key not in items:
            items[key] = macro(item, *args)
        return items[key]

    @jinja2.pass_context
    def nav_children(context, section, index, path, level, caller):
        """What Material's loop over section's children writes: caller(child, number)
        for each, the same for every page of a folder unless on the way to the page."""
        page = context.get("page")
        children = section.children
        key = (_place(context, page), id(section), bool(section.active), _arg_key(index), path, level)
        if key not in sections:  # each child's part as rendered for this key; those holding pages
            sections[key] = ([None] * len(children), [i for i, child in enumerate(children) if getattr(child, "pages", None)])
        known, holders = sections[key]
        parts = known.copy()
        # The page's own children (the active ones, all but always one at most) in one quick pass.
        ways = [i for i, child in enumerate(children) if child.active or child is page]
        ways += [i for i in holders if i not in ways and _on_the_way(children[i], page)]
        for i in ways:
            parts[i] = caller(children[i], i + 1)
        if None in parts:  # children not rendered for this key yet
            for i, part in enumerate(parts):
                if part is None:
                    parts[i] = known[i] = caller(children[i], i + 1)
        text = "".join(parts)
        return Markup(text) if context.eval_ctx.autoescape else text  # the parts are safe: rendered

    env.globals[ITEM] = nav_item
    env.globals[CHILDREN] = nav_children
    env.loader = _NavLoader(env.loader)


def _on_the_way(item: Any, page: Any) -> bool:
    """Whether item is or holds the page (Material renders those for the page)."""
    return bool(item.active) or (page is not None and (item is page or page in (getattr(item, "pages", None) or ())))


def _place(context, page) -> tuple:
    """What an inactive item's links depend on: the page's folder and the base URL."""
    return (_folder(page.url) if page is not None else None, context.get("base_url"))


def _arg_key(value: Any) -> Any:
    """Paths and levels as they are; an item (the parent) by identity and active flag."""
    if value is None or isinstance(value, (str, int, jinja2.Undefined)):
        return value if not isinstance(value, jinja2.Undefined) else None
    return (id(value), bool(getattr(value, "active", False)))


def _folder(url: str) -> str:
    """What the page's links are relative to (as mkdocs.utils.get_relative_url reads
    a page URL: its last part is dropped when it has a dot, like page.html)."""
    head, _, last = url.rpartition("/")
    return head if "." in last else url

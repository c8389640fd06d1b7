"""Material's navigation, rendered once per folder instead of once per page.

Material renders the whole site navigation into every page (partials/nav.html calls
the `render` macro of partials/nav-item.html for each item, which calls itself for the
item's children): on a 1,000-page site that is most of the build, and it grows with
pages x pages. Most of it is the same on every page: an item that neither is nor holds
the page being rendered comes out the same for every page in the same folder (its links
are relative to the page's folder). So each such item is rendered once per folder and
reused; the items on the way to the current page (active) are rendered as before.

The two templates are read through a loader that wraps each call of the macro in
`specsites_nav_item(macro, ...)`, a function that remembers what it returned. If
Material's templates change so that the call is not found as written, they are used
unchanged (still correct, only not faster). The cache lives in the Jinja environment,
which MkDocs makes anew for every build, so nothing outlives the build whose titles and
pages it was rendered from.
"""
from __future__ import annotations

from typing import Any

import jinja2

# (template, the macro call as Material writes it, the call wrapped)
REWRITES = (
    ("partials/nav.html", "{{ item.render(", "{{ specsites_nav_item(item.render, "),
    ("partials/nav-item.html", "{{ render(", "{{ specsites_nav_item(render, "),
)
GLOBAL = "specsites_nav_item"


class _NavLoader(jinja2.BaseLoader):
    """The theme's loader, with the navigation macro's calls wrapped."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: jinja2.Environment, template: str):
        source, filename, uptodate = self.inner.get_source(environment, template)
        for name, call, wrapped in REWRITES:
            if template == name:
                source = source.replace(call, wrapped)
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def install(env: jinja2.Environment) -> None:
    """Serve the theme's navigation from a per-build cache (call before any template loads)."""
    if GLOBAL in env.globals:
        return
    cache: dict[tuple, Any] = {}

    @jinja2.pass_context
    def nav_item(context, macro, item, *args):
        page = context.get("page")
        if item.active or (page is not None and (item is page or page in (getattr(item, "pages", None) or ()))):
            return macro(item, *args)  # on the way to this page: rendered for it
        # An inactive item's parent may be active (Material reads `parent.active` with
        # tabs), hence the flags of the arguments in the key.
        key = (id(item), _folder(page.url) if page is not None else None, context.get("base_url"),
               tuple(_arg_key(a) for a in args))
        if key not in cache:
            cache[key] = macro(item, *args)
        return cache[key]

    env.globals[GLOBAL] = nav_item
    env.loader = _NavLoader(env.loader)


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

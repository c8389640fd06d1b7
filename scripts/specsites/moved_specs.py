"""The "moved specifications" list on each site's specifications index, from the map."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from specsites.redirect_page import Linker
from specsites.redirect_plan import Plan
from specsites.sites import Repository

MOVED_SPECS_MARKER = "<!-- specsites:moved-specs -->"
_SPEC_KEY = re.compile(r"specs/([a-z0-9][a-z0-9-]*)")


def _spec_id(path: str) -> str | None:
    match = _SPEC_KEY.fullmatch(path.strip("/"))
    return match.group(1).upper() if match else None


def moved_specs_html(plan: Plan, repo: Repository, linker: Linker, from_file: str) -> str:
    """An escaped HTML list: specs that left or were renamed on this site, and specs that came here."""
    site = linker.site
    items = []
    for other in repo.sites:
        for redirect in plan.moved(other.name):
            old, to = _spec_id(redirect.key), redirect.to
            if old is None or to is None or not to.site or (other.name != site and to.site != site):
                continue
            new = _spec_id(to.url) or to.url
            link = f'<a href="{html.escape(linker.href(to, from_file))}">{html.escape(new)}</a>'
            where = html.escape(urlsplit(linker.base_urls[to.site]).netloc)
            if other.name == site and to.site == site:
                items.append(f"<li>{html.escape(old)} was renamed {link}.</li>")
            elif other.name == site:
                items.append(f"<li>{html.escape(old)} moved to {where}: {link}.</li>")
            else:
                came_from = html.escape(urlsplit(linker.base_urls[other.name]).netloc)
                items.append(f"<li>{html.escape(old)} was published on {came_from} before; it is now {link}.</li>")
    if not items:
        return "<p>No specifications have moved.</p>"
    return '<ul class="specsites-moved">\n' + "\n".join(items) + "\n</ul>"

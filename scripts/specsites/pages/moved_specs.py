"""The "moved specifications" list on each site's specifications index, from the map."""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

from specsites.redirects.linker import Linker
from specsites.redirects.plan import Plan, Redirect
from specsites.pages.readers import SiteLabel
from specsites.sources.sites import Repository

MOVED_SPECS_MARKER = "<!-- specsites:moved-specs -->"
_SPEC_KEY = re.compile(r"specs/([a-z0-9][a-z0-9-]*)")


def _spec_id(path: str) -> str | None:
    match = _SPEC_KEY.fullmatch(path.strip("/"))
    return match.group(1).upper() if match else None


def moved_spec_redirects(plan: Plan, repo: Repository) -> list[tuple[str, Redirect]]:
    """(site, redirect) for every spec page that moved to a page of ours: what the lists show."""
    return [(other.name, redirect) for other in repo.sites for redirect in plan.moved(other.name)
            if _spec_id(redirect.key) is not None and redirect.to is not None and redirect.to.site]


def moved_specs_html(plan: Plan, repo: Repository, linker: Linker, from_file: str, labels: Mapping[str, SiteLabel]) -> str:
    """An escaped HTML list: specs that left or were renamed on this site, and specs that came here.

    Sites are named by their titles, not their hosts: the same sentence reads right
    in production, in the preview (127.0.0.1:port) and in a staging copy.
    """
    site = linker.site
    items = []
    for other, redirect in moved_spec_redirects(plan, repo):
        old, to = _spec_id(redirect.key), redirect.to
        if other != site and to.site != site:
            continue
        new = _spec_id(to.url) or to.url
        link = f'<a href="{html.escape(linker.href(to, from_file))}">{html.escape(new)}</a>'
        if other == site and to.site == site:
            items.append(f"<li>{html.escape(old)} was renamed {link}.</li>")
        elif other == site:
            where = html.escape(_site_title(labels, to.site))
            if new == old:
                items.append(f"<li>{link} moved to the {where} site.</li>")
            else:
                items.append(f"<li>{html.escape(old)} moved to the {where} site as {link}.</li>")
        else:
            came_from = html.escape(_site_title(labels, other))
            renamed = "" if new == old else f", where it was {html.escape(old)}"
            items.append(f"<li>{link} moved here from the {came_from} site{renamed}.</li>")
    if not items:
        return "<p>No specifications have moved.</p>"
    return '<ul class="specsites-moved">\n' + "\n".join(items) + "\n</ul>"


def _site_title(labels: Mapping[str, SiteLabel], site: str) -> str:
    label = labels.get(site)
    return label.title if label else site

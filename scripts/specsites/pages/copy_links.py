"""Links written to our sites' production URLs, pointed at a preview or staging copy.

Engine-neutral: rendered HTML in, HTML out.
"""
from __future__ import annotations

import re


def links_to_copies(output: str, production_urls: dict[str, str], base_urls: dict[str, str]) -> str:
    """Each link to a site's production URL made a link to where base_urls serves it.

    A link that shows its URL (`<https://...>` in a spec: "Latest version") shows the
    copy's URL too, not production's. Scripts are left alone (the banner's link).
    """
    for site, production in production_urls.items():
        copy = base_urls[site]
        if copy == production:
            continue
        output = output.replace(f'href="{production}', f'href="{copy}')
        output = re.sub(f'(<a href="{re.escape(copy)}[^"]*"[^>]*>){re.escape(production)}', lambda m: m.group(1) + copy, output)
    return output

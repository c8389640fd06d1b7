"""Linker: the URLs of a build's destinations, from where each site is served.

Used by every module that writes a link to a page of our sites: the redirect pages,
the hosts' rules, the moved-specifications list and what readers see (readers.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from specsites.redirects.plan import Destination
from specsites.urls import relative_url


@dataclass(frozen=True)
class Linker:
    """Makes URLs for destinations, from the base URL each site is served at."""

    site: str  # the site whose pages link
    base_urls: dict[str, str]  # site -> base URL ending with /

    def absolute(self, destination: Destination) -> str:
        if not destination.site:
            return destination.url
        return self.base_urls[destination.site] + destination.url + _fragment(destination)

    def href(self, destination: Destination, from_file: str) -> str:
        """Relative within the site, so it works in any preview or staging copy."""
        if destination.site != self.site:
            return self.absolute(destination)
        return relative_url(destination.url, from_file) + _fragment(destination)

    def target(self, destination: Destination) -> str:
        """Where a redirect sends a browser: the same place whatever URL served the page.

        A redirect page is one file served at several URLs (`/x` may answer with
        `x.html` or `x/index.html`, depending on the host), so a target relative to
        the file lands elsewhere on some hosts (issue 12). Within the site it is the
        path from the root with the site's base path (staging copies live under
        one); other sites get their absolute URL.
        """
        if destination.site != self.site:
            return self.absolute(destination)
        base_path = urlsplit(self.base_urls[self.site]).path or "/"
        return base_path.rstrip("/") + "/" + destination.url + _fragment(destination)


def _fragment(destination: Destination) -> str:
    return f"#{destination.anchor}" if destination.anchor else ""

"""Where a followed URL may end outside our sites: only at a web address that
redirects.yml names as a target. Anything else (a server's 301 to file:///etc/passwd,
a javascript: target, another host or port) is a failure, with what differs."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from specsites.redirects.map import parse_redirects


class OffSite:
    """Judges landings outside our sites. The map is read only when one is met:
    the check of 100,000 moved pages usually meets none."""

    def __init__(self, redirects_file: Path, site_names: list[str]) -> None:
        self.redirects_file = redirects_file
        self.site_names = site_names
        self._named: frozenset[str] | None = None

    def problem(self, url: str, own_base: str) -> str:
        """Why landing at url (not one of our sites) is a failure; "" if redirects.yml sends it there."""
        if _page(url) in self.named():
            return ""
        try:
            there, own = urlsplit(url), urlsplit(own_base)
            port, own_port = there.port, own.port
        except ValueError:
            return f"leaves our sites for {url!r}, which is not a usable URL"
        if there.scheme.lower() not in ("http", "https"):
            return f"leaves our sites for {url!r} (another scheme, {there.scheme or 'none'}:, not a web page)"
        differs = ("scheme" if there.scheme.lower() != own.scheme.lower() else
                   "host" if (there.hostname or "") != (own.hostname or "") else
                   "port" if port != own_port else "site")
        return f"leaves our sites for {url} (another {differs}), which redirects.yml names as no target"

    def named(self) -> frozenset[str]:
        """The external targets of redirects.yml, without their #fragments."""
        if self._named is None:
            try:
                data = self.redirects_file.read_bytes()
            except OSError:
                data = b""
            rules, _ = parse_redirects(data, self.site_names, self.redirects_file.name)
            self._named = frozenset(_page(rule.target.external) for rule in rules if rule.target.external)
        return self._named


def _page(url: str) -> str:
    return url.partition("#")[0]

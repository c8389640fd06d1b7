"""Issue 12: the URLs every host must land, and a walk that counts how they land.

Shared by the host-engine tests (tests/test_hosts.py, tests/test_nginx.py): every
old URL form of every move in redirects.yml (from the plan), and every canonical
page URL of both sites, followed over HTTP like a browser (3xx, meta refresh, our
redirect script) against a host's own server on 127.0.0.1.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from conftest import SITES
from http_follow import ResolvingFetch, follow
from specsites.checks.page_html import parse_page
from specsites.redirects.linker import Linker
from specsites.redirects.plan import load_plan
from specsites.sources.sites import load_repository
from specsites.urls import old_url_forms, page_key, page_url, served_forms

PRODUCTION = {site: f"https://{host}/" for site, host in SITES.items()}
SUFFIXES = ("", "?from=mail", "?from=mail&b=2#frag")


@dataclass(frozen=True)
class Case:
    start: str
    site: str  # where it must land ("" for outside our sites)
    url: str  # the page URL it must land on (a path, or the external URL), any form
    query: str
    fragment: str


def old_url_cases(root: Path) -> list[Case]:
    """Every form of every moved URL, with and without a query and a #fragment."""
    repo = load_repository(root)
    plan = load_plan(repo)
    cases = []
    for site in SITES:
        linker = Linker(site, PRODUCTION)
        for redirect in plan.moved(site):
            if redirect.to is None:
                continue  # the page stays: its canonical URLs are tested below
            for form in old_url_forms("/" + redirect.key):
                for suffix in SUFFIXES:
                    address, _, fragment = suffix.partition("#")
                    to = redirect.anchors.get(fragment, redirect.to)
                    url = "/" + to.url if to.site else linker.absolute(to)
                    cases.append(Case(PRODUCTION[site].rstrip("/") + form + address + (f"#{fragment}" if fragment else ""),
                                      to.site, url, address[1:], to.anchor or fragment))
    return cases


def canonical_cases(built: Path) -> list[Case]:
    """Both URLs of every real page of every site (/x and /x.html, or /x/ and
    /x/index.html), with and without a query: no alias page may take them over."""
    cases = []
    for site in SITES:
        folder = built / site
        for path in sorted(folder.rglob("*.html")):
            rel = path.relative_to(folder).as_posix()
            if rel == "404.html" or parse_page(path.read_text()).script_to:
                continue  # not a page, or a redirect page
            url = page_url(rel)
            for form in served_forms(url):
                for query in ("", "?from=mail"):
                    cases.append(Case(PRODUCTION[site].rstrip("/") + form + query, site, "/" + url, query[1:], ""))
    return cases


@dataclass
class Tally:
    requested: int = 0
    landed: int = 0
    first_301: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, host: str, kind: str) -> str:
        return f"{host:<22} {kind:<15} {self.requested:4} requested {self.landed:4} landed {self.first_301:4} got a 301"


def walk(cases: list[Case], servers: dict[str, tuple[str, int]]) -> Tally:
    """Follows each case against the host's servers (site -> (ip, port))."""
    sites_by_netloc = {urlsplit(PRODUCTION[site]).netloc: site for site in SITES}
    for site, (ip, port) in servers.items():  # a host may name itself in a Location
        sites_by_netloc[f"{ip}:{port}"] = sites_by_netloc[f"{urlsplit(PRODUCTION[site]).hostname}:{port}"] = site
    resolve = {urlsplit(PRODUCTION[site]).hostname: address for site, address in servers.items()}
    tally = Tally()
    with ResolvingFetch(resolve, timeout=20, internal=lambda url: _site(url, sites_by_netloc) != "") as fetch:
        for case in cases:
            landing = follow(case.start, fetch)
            tally.requested += 1
            if landing.hops and landing.hops[0][1] == 301:
                tally.first_301 += 1
            parts = urlsplit(landing.url)
            if case.site:
                on = (_site(landing.url, sites_by_netloc), page_key(parts.path))
                ok = not landing.error and landing.hops[-1][1] == 200 and on == (case.site, page_key(case.url))
            else:
                ok = landing.external and landing.url.partition("#")[0].split("?")[0] == case.url.split("?")[0]
            ok = ok and parts.query == case.query and parts.fragment == case.fragment
            if ok:
                tally.landed += 1
            else:
                tally.failures.append(f"{case.start}: {landing.error or 'landed elsewhere'}: {landing.hops}")
    return tally


def _site(url: str, sites_by_netloc: dict[str, str]) -> str:
    return sites_by_netloc.get(urlsplit(url).netloc, "")

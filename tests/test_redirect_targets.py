"""Issue 12, problem 3: a redirect page sends the browser to the same place whatever
URL the host answered with it.

Hosts differ in which file answers `/x` (GitHub Pages: `x.html`; Netlify's server:
`x/index.html`), and a 301/308 may first add or remove the slash. So each redirect
page is read as if served at every form of its URL, in a production build and in a
staging copy under a path prefix, and every target must be the same URL and land.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import SITES, copy_sources, run_cli
from specsites.checks.follow import next_hop
from specsites.checks.page_html import parse_page
from specsites.checks.static_follow import StaticFollower
from specsites.urls import old_url_forms, page_key

STAGING = "https://user.github.io/repo"


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sources(tmp_path_factory.mktemp("staging") / "repo")
    result = run_cli("build", "--staging-base", STAGING, root=root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def _redirect_pages(folder: Path) -> dict[str, str]:
    """Each redirect page's file -> its target as the script and meta refresh name it."""
    pages = {}
    for path in sorted(folder.rglob("*.html")):
        info = parse_page(path.read_text())
        if info.script_to:
            assert info.refresh == "" or info.refresh == info.script_to  # noscript: same target
            pages[path.relative_to(folder).as_posix()] = info.script_to
    return pages


def _check(bases: dict[str, str], output: Path) -> int:
    """Asserts every redirect page's target is one URL from all its URLs, and lands."""
    follower = StaticFollower({base: output / site for site, base in bases.items()})
    checked = 0
    for site, base in bases.items():
        pages = _redirect_pages(output / site)
        assert pages, site
        for rel, target in pages.items():
            urls = [base.rstrip("/") + form for form in old_url_forms("/" + page_key(rel))]
            for query in ("", "?from=mail"):
                landings = {next_hop(url + query, "", target, keep_query=True) for url in urls}
                assert len(landings) == 1, (site, rel, target, sorted(landings))
                landing = follower.follow(landings.pop())
                assert not landing.error and landing.hops[-1][1] == 200, (site, rel, landing.hops)
                assert urlsplit(landing.url).query == query[1:]
                checked += 1
    return checked


def test_production_redirect_pages_land_from_every_url_that_serves_them(built: Path) -> None:
    bases = {site: f"https://{host}/" for site, host in SITES.items()}
    assert _check(bases, built) >= 2 * 20


def test_staging_redirect_pages_land_from_every_url_that_serves_them(staging: Path) -> None:
    bases = {site: f"{STAGING}/{site}/" for site in SITES}
    assert _check(bases, staging) >= 2 * 20

"""Issue 3: every old URL, in every form, lands on the right page over HTTP.

The built production sites are served on 127.0.0.1 with GitHub Pages' rules; both
production host names are mapped to that server, as a browser with a hosts entry
would see them.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import SITES
from http_follow import ResolvingFetch, follow
from specsites.checks.http_fetch import HttpFetch

WG1 = "https://connectivity.carbondataspec.org/"
WG3 = "https://customerdata.carbondataspec.org/"
MOVES = {
    "specs/cdsc-wg1-01": WG1 + "specs/cdsc-wg1-01/",
    "specs/cdsc-wg1-01/overview": WG1 + "specs/cdsc-wg1-01/overview.html",
    "specs/cdsc-wg1-02": WG1 + "specs/cdsc-wg1-02/",
    "specs/cdsc-wg1-02/overview": WG1 + "specs/cdsc-wg1-02/overview.html",
    "specs/cdsc-wg1-03": WG3 + "specs/cdsc-wg3-01/",
    "specs/cdsc-wg1-03/overview": WG3 + "specs/cdsc-wg3-01/overview.html",
}
FORMS = ["{}", "{}/", "{}.html", "{}/index.html"]
SUFFIXES = ["", "?utm_source=slides", "#other-drafts", "?a=1&b=2#other-drafts"]
CASES = [(old, form, suffix) for old in MOVES for form in FORMS for suffix in SUFFIXES]


@pytest.fixture(scope="module")
def fetch(production_server) -> Iterator[HttpFetch]:
    with ResolvingFetch({host: ("127.0.0.1", production_server.port) for host in SITES.values()}) as fetch:
        yield fetch


@pytest.mark.parametrize(("old", "form", "suffix"), CASES)
def test_old_url_lands_on_the_new_page(fetch: HttpFetch, old: str, form: str, suffix: str) -> None:
    start = WG3 + form.format(old) + suffix
    landing = follow(start, fetch)
    assert not landing.error, landing.hops
    query = suffix.partition("#")[0]
    fragment = suffix.partition("#")[1] + suffix.partition("#")[2]
    assert landing.url == MOVES[old] + query + fragment
    assert landing.hops[-1][1] == 200
    if fragment:
        assert fragment[1:] in landing.ids


def test_url_forms_of_a_real_page_reach_it(fetch: HttpFetch) -> None:
    lands = {"use-cases": "use-cases", "use-cases.html": "use-cases.html", "use-cases/": "use-cases.html", "use-cases/index.html": "use-cases.html"}
    for form, page in lands.items():
        landing = follow(WG3 + form + "#not-in-scope", fetch)
        assert landing.url == WG3 + page + "#not-in-scope" and "not-in-scope" in landing.ids


def test_unknown_path_answers_404(fetch: HttpFetch) -> None:
    landing = follow(WG3 + "specs/cdsc-wg1-04/", fetch)
    assert landing.error == "status 404"

"""Issues 2 and 3 in a real browser: redirects with #fragments across sites, the banner."""
from __future__ import annotations


import pytest

from conftest import SITES, GitHubPagesServer, copy_sources, run_cli


EXTRA_REDIRECTS = """
  /old-principles: /specs/design-principles#be-useful
  /use-cases#benchmarks: /specs/design-principles#test-suites
  /drafts/*: wg1-connectivity:/specs/*
"""


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def local_sites(tmp_path_factory: pytest.TempPathFactory, request):
    """A copy of both sites built for, and served at, two local ports; by each engine."""
    root = copy_sources(tmp_path_factory.mktemp("browser") / "repo")
    with open(root / "redirects.yml", "a") as redirects:  # under wg3-customer-data:, the last site
        redirects.write(EXTRA_REDIRECTS)
    # Served before they are built, each on a port the OS picks: the build needs the URLs.
    servers = [GitHubPagesServer({"": root / "site" / site}).__enter__() for site in SITES]
    ports = {site: server.port for site, server in zip(SITES, servers)}
    pairs = [f"--base-url={site}=http://127.0.0.1:{port}/" for site, port in ports.items()]
    result = run_cli("build", "--engine", request.param, *pairs, root=root)
    assert result.returncode == 0, result.stderr
    yield {site: f"http://127.0.0.1:{port}/" for site, port in ports.items()}
    for server in servers:
        server.__exit__()


@pytest.fixture(scope="module")
def page(chromium):
    browser = chromium()
    page = browser.new_page()
    yield page
    browser.close()


@pytest.mark.parametrize(("old", "new_site", "new"), [
    ("specs/cdsc-wg1-01/overview#other-drafts", "wg1-connectivity", "specs/cdsc-wg1-01/overview.html#other-drafts"),
    ("specs/cdsc-wg1-02/index.html?ref=slides#other-drafts", "wg1-connectivity", "specs/cdsc-wg1-02/?ref=slides#other-drafts"),
    ("specs/cdsc-wg1-03#other-drafts", "wg3-customer-data", "specs/cdsc-wg3-01/#other-drafts"),
    ("specs/cdsc-wg1-03/overview.html?x=1#other-drafts", "wg3-customer-data", "specs/cdsc-wg3-01/overview.html?x=1#other-drafts"),
    ("use-cases/#not-in-scope", "wg3-customer-data", "use-cases.html#not-in-scope"),
    # the target's own anchor wins over the incoming one: never #be-useful#zzz
    ("old-principles?q=1#zzz", "wg3-customer-data", "specs/design-principles.html?q=1#be-useful"),
    # a section that moved out of a page that stays
    ("use-cases#benchmarks", "wg3-customer-data", "specs/design-principles.html#test-suites"),
    # a whole folder moved to the other site
    ("drafts/cdsc-wg1-01/overview#other-drafts", "wg1-connectivity", "specs/cdsc-wg1-01/overview.html#other-drafts"),
])
def test_old_url_with_fragment_lands_on_the_section(page, local_sites: dict[str, str], old: str, new_site: str, new: str) -> None:
    expected = local_sites[new_site] + new
    page.goto(local_sites["wg3-customer-data"] + old)
    page.wait_for_url(expected, timeout=10_000)
    fragment = new.partition("#")[2]
    assert page.locator(f"[id='{fragment}']").count() == 1


def test_link_inside_a_page_to_a_moved_section_follows_it(page, local_sites: dict[str, str]) -> None:
    # Issue 12, problem 7: the page stays, so only the #hash changes: no page load.
    base = local_sites["wg3-customer-data"]
    page.goto(base + "use-cases.html?ref=slides")  # not ?q=: Material takes that one for its search
    assert page.locator("[id='not-in-scope']").count() == 1  # the page stayed
    page.evaluate("""() => {
        const link = document.createElement('a');
        link.href = '#benchmarks'; link.id = 'specsites-test-link'; link.textContent = 'old section';
        document.querySelector('article').append(link);
    }""")
    page.locator("#specsites-test-link").dispatch_event("click")  # the link's own click event, wherever the header floats
    page.wait_for_url(base + "specs/design-principles.html?ref=slides#test-suites", timeout=60_000)  # a busy machine
    assert page.locator("[id='test-suites']").count() == 1
    # a link to a section that did not move stays on the page
    page.goto(base + "use-cases.html")
    page.evaluate("() => { location.hash = 'not-in-scope'; }")
    page.wait_for_function("() => location.hash === '#not-in-scope'")
    assert page.url == base + "use-cases.html#not-in-scope"


def test_banner_shows_outside_production(page, local_sites: dict[str, str]) -> None:
    for base in local_sites.values():
        page.goto(base)
        assert page.locator("#specsites-banner").is_visible()


def test_banner_hidden_on_the_production_host(chromium, production_server) -> None:
    rules = ",".join(f"MAP {host} 127.0.0.1:{production_server.port}" for host in SITES.values())
    browser = chromium([f"--host-resolver-rules={rules}"])
    try:
        page = browser.new_page()
        for host in SITES.values():
            page.goto(f"http://{host}/use-cases.html")
            assert page.locator("h1").first.is_visible()
            assert not page.locator("#specsites-banner").is_visible()
        # the same production build, reached by another name, shows it
        page.goto(f"http://127.0.0.1:{production_server.port}/use-cases.html")
        assert page.locator("#specsites-banner").is_visible()
    finally:
        browser.close()

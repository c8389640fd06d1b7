"""Issue 14 in a real browser: what readers see of the two sites, in production, in
the preview and in a staging copy, on a desktop and a phone."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import SITES, GitHubPagesServer, ROOT, copy_sources, run_cli

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}
SHORT_NAMES = {"wg1-connectivity": "WG1 Connectivity", "wg3-customer-data": "WG3 Customer Data"}
REPOSITORIES = {
    site: yaml.safe_load((ROOT / site / "mkdocs.yml").read_text())["repo_url"] for site in SITES
}


def _build(root: Path, pairs: list[str], out: Path) -> None:
    result = run_cli("build", "--out", out, *pairs, root=root)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory, production_server):
    """Base URL of each site in each kind of copy: production (the real host names,
    mapped to 127.0.0.1 by the browser), the preview (a port per site) and a staging
    copy (every site under one /specsites/<folder>/)."""
    root = copy_sources(tmp_path_factory.mktemp("readers") / "repo")
    # Servers first, each on a port the OS picks: the builds need their URLs.
    previews = {site: GitHubPagesServer({"": root / "preview" / site}).__enter__() for site in SITES}
    preview = {site: f"http://127.0.0.1:{server.port}/" for site, server in previews.items()}
    _build(root, [f"--base-url={s}={u}" for s, u in preview.items()], root / "preview")
    staging_root = root / "staging-host"
    staging_root.mkdir()
    (staging_root / "specsites").symlink_to(root / "staging")
    staging_server = GitHubPagesServer({"": staging_root}).__enter__()
    port = staging_server.port
    _build(root, [f"--staging-base=http://127.0.0.1:{port}/specsites"], root / "staging")
    servers = [*previews.values(), staging_server]
    yield {
        "production": {site: f"http://{host}/" for site, host in SITES.items()},
        "preview": preview,
        "staging": {site: f"http://127.0.0.1:{port}/specsites/{site}/" for site in SITES},
        "production_port": production_server.port,
        "folders": {"preview": root / "preview", "staging": root / "staging"},
    }
    for server in servers:
        server.__exit__()


@pytest.fixture(scope="module")
def browser(chromium, copies):
    """Chromium with the production host names mapped to the local production server."""
    rules = ",".join(f"MAP {host} 127.0.0.1:{copies['production_port']}" for host in SITES.values())
    browser = chromium([f"--host-resolver-rules={rules}"])
    yield browser
    browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    """A page at one viewport."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    yield page
    context.close()


def _linked_base(copy: str, copies: dict, site: str) -> str:
    """What a page of this copy links to for a site: production pages link to https."""
    base = copies[copy][site]
    return "https://" + base[len("http://"):] if copy == "production" else base


@pytest.mark.parametrize("copy", ["production", "preview", "staging"])
def test_switcher_lists_every_site_at_this_copy(page, copies, copy: str) -> None:
    for site, base in copies[copy].items():
        page.goto(base + "use-cases.html")
        links = page.locator("nav.specsites-switcher a")
        assert links.count() == len(SITES)
        assert [links.nth(i).inner_text().strip() for i in range(links.count())] == [SHORT_NAMES[s] for s in SITES]
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [_linked_base(copy, copies, s) for s in SITES]
        for i in range(links.count()):
            assert links.nth(i).is_visible()
        current = page.locator("nav.specsites-switcher a[aria-current]")
        assert current.count() == 1 and current.inner_text().strip() == SHORT_NAMES[site]
    if copy != "production":  # (production links are https, which the test server does not speak)
        first, second = list(SITES)
        page.goto(copies[copy][first])
        page.locator("nav.specsites-switcher a", has_text=SHORT_NAMES[second]).click()
        page.wait_for_url(copies[copy][second])
        assert page.locator("nav.specsites-switcher a[aria-current]").inner_text().strip() == SHORT_NAMES[second]


def test_each_working_group_has_its_own_colour_and_mark(page, copies) -> None:
    colours, logos = set(), set()
    for base in copies["preview"].values():
        page.goto(base)
        colours.add(page.locator("header.md-header").evaluate("e => getComputedStyle(e).backgroundColor"))
        logos.add(page.locator("header.md-header .md-logo img").get_attribute("src"))
    assert len(colours) == len(SITES) and len(logos) == len(SITES)


def test_footer_names_consortium_license_and_repository(page, copies) -> None:
    for site, base in copies["preview"].items():
        page.goto(base + "specs/design-principles.html")
        footer = page.locator(".specsites-footer")
        assert footer.is_visible()
        text = footer.inner_text()
        assert "Carbon Data Specification Consortium" in text and "Community Specification License 1.0" in text
        assert footer.locator(f'a[href="{REPOSITORIES[site]}"]').count() == 1
        footer.locator("a", has_text="Community Specification License").click()
        page.wait_for_url(base + "index.html#license")
        assert page.locator("[id='license']").is_visible()


@pytest.mark.parametrize(("site", "missed", "found_site", "found"), [
    ("wg3-customer-data", "specs/cdsc-wg1-01/overveiw", "wg1-connectivity", "specs/cdsc-wg1-01/overview.html"),  # moved, then mistyped
    ("wg1-connectivity", "use-cses/", "wg1-connectivity", "use-cases.html"),
    ("wg3-customer-data", "specs/cdsc-wg3-01/Overview.html", "wg3-customer-data", "specs/cdsc-wg3-01/overview.html"),
])
# (Not in the staging copy: GitHub Pages answers a miss there with the 404.html of
# the repository's root, which is none of the sites'.)
@pytest.mark.parametrize("copy", ["preview"])
def test_404_suggests_the_near_miss(page, copies, copy: str, site: str, missed: str, found_site: str, found: str) -> None:
    response = page.goto(copies[copy][site] + missed)
    assert response.status == 404
    suggestion = page.locator("#specsites-suggestions a").first
    suggestion.wait_for(state="visible")
    assert suggestion.get_attribute("href") == copies[copy][found_site] + found
    suggestion.click()
    page.wait_for_url(copies[copy][found_site] + found)
    assert page.locator("h1").first.is_visible()


def test_404_links_every_working_group_and_searches(page, copies) -> None:
    base = copies["preview"]["wg1-connectivity"]
    page.goto(base + "no/such/page")
    hrefs = page.locator(".specsites-groups a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [u for s in SITES for u in (copies["preview"][s], copies["preview"][s] + "specs/")]
    assert not page.locator("#specsites-suggestions").is_visible()  # nothing near "no/such/page"
    page.fill("#specsites-q", "registration")
    page.locator(".specsites-search button").click()
    page.wait_for_url(re.compile(re.escape(base) + r"(index\.html)?\?q=registration"))
    page.locator(".md-search-result__item").first.wait_for(state="visible")  # Material's search opened on the query


def test_redirect_page_looks_like_the_site_without_javascript(browser, copies) -> None:
    wg1, wg3 = copies["preview"]["wg1-connectivity"], copies["preview"]["wg3-customer-data"]
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["mobile"])
    try:
        page = context.new_page()
        # A 204 for the target keeps the redirect page on screen, as a slow network does.
        page.route(wg1 + "**", lambda route: route.fulfill(status=204))
        page.goto(wg3 + "specs/cdsc-wg1-01/")
        link = page.locator("main a")
        link.wait_for(state="visible")
        assert link.inner_text() == "CDSC-WG1-01 Server Metadata - CDSC Connectivity Working Group"
        assert link.get_attribute("href") == wg1 + "specs/cdsc-wg1-01/"
        assert page.title() == "Moved: CDSC-WG1-01 Server Metadata - CDSC Connectivity Working Group"
        # issue 26: it says which working group's site the page is on now
        assert page.locator("h1").inner_text() == "This page moved to the CDSC Connectivity Working Group site"
        # the same page without its slash did not move: its alias page says nothing of the kind
        page.route(wg3 + "specs/cdsc-wg3-01/", lambda route: route.fulfill(status=204))
        page.goto(wg3 + "specs/cdsc-wg3-01")
        page.locator("main a").wait_for(state="visible")
        assert page.locator("h1").inner_text() == "CDSC-WG3-01 Customer Data" and "moved" not in page.content().lower()
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "system-ui" in font and "Times" not in font
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["mobile"]["width"]
        assert page.locator("header").evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
        # shown at once: the delay that keeps the page from flashing up when a script
        # moves on is for JavaScript only (see test_redirect_page_hides_only_with_javascript)
        assert page.evaluate("document.getAnimations().length") == 0
    finally:
        context.close()


def test_redirect_page_hides_only_with_javascript(browser, copies) -> None:
    """With JavaScript on, the redirect page's body stays hidden for its first second
    (the script has moved on by then): the same page, loaded as data with its script
    taken out, keeps the delay that the <noscript> style cancels when scripts are off."""
    page_html = (copies["folders"]["preview"] / "wg3-customer-data" / "specs" / "cdsc-wg1-01" / "index.html").read_text()
    without_script = re.sub(r"<script>.*?</script>", "", page_html, flags=re.S)
    assert without_script != page_html
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(without_script)
        assert page.evaluate("document.getAnimations().map(a => a.effect.getTiming().delay)") == [1000]
        page.locator("main a").wait_for(state="visible")  # and a reader whose target never came sees it
    finally:
        context.close()


def _spec_pages(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.glob("specs/*/index.html") if "<table" in p.read_text())


def test_no_table_wider_than_a_phone(browser, copies) -> None:
    context = browser.new_context(viewport=VIEWPORTS["mobile"])
    try:
        page = context.new_page()
        width = VIEWPORTS["mobile"]["width"]
        checked = 0
        for site, base in copies["preview"].items():
            pages = _spec_pages(copies["folders"]["preview"] / site)
            assert pages, f"no spec page with a table on {site}"
            for path in pages:
                page.goto(base + path)
                boxes = page.locator("article table").evaluate_all(
                    "ts => ts.map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right]; })")
                assert boxes
                for left, right in boxes:
                    assert left >= 0 and right <= width, (path, left, right)
                    checked += 1
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
                # identifiers in a table stay whole: a code element fits on one line
                heights = page.locator("article table td code").evaluate_all("cs => cs.map(c => c.getClientRects().length)")
                assert heights and set(heights) == {1}, path
        assert checked >= 4
    finally:
        context.close()


def test_banner_is_readable_and_links_to_production(page, copies) -> None:
    for copy in ("preview", "staging"):
        for site, base in copies[copy].items():
            page.goto(base + "use-cases.html")
            banner = page.locator("#specsites-banner")
            assert banner.is_visible()
            assert float(banner.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 16
            link = banner.locator("a")
            assert link.get_attribute("href") == f"https://{SITES[site]}/use-cases.html"


# Each copy once, at one viewport or the other: what a page requests does not depend
# on the viewport's size, and each run waits for the network to go quiet per page.
@pytest.mark.parametrize(("copy", "viewport"), [("production", "desktop"), ("preview", "mobile"), ("staging", "desktop")])
def test_no_request_leaves_our_hosts(browser, copies, copy: str, viewport: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    own = {"127.0.0.1"} | (set(SITES.values()) if copy == "production" else set())
    wg1, wg3 = copies[copy]["wg1-connectivity"], copies[copy]["wg3-customer-data"]
    for url in (wg1, wg1 + "specs/cdsc-wg1-01/", wg3 + "use-cases.html", wg3 + "specs/cdsc-wg1-03/", wg3 + "no-such-page"):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    context.close()
    assert len(requests) > 10
    hosts = {urlsplit(u).hostname for u in requests if urlsplit(u).scheme in ("http", "https")}
    assert hosts <= own, sorted(hosts - own)
    assert not [u for u in requests if urlsplit(u).scheme not in ("http", "https", "data", "blob")]


@pytest.mark.parametrize("copy", ["preview", "staging"])
def test_moved_specs_read_the_same_in_every_copy(copies, copy: str, built: Path) -> None:
    """The list names working groups, never the host a copy happens to be served on."""
    for site in SITES:
        here = (copies["folders"][copy] / site / "specs" / "index.html").read_text()
        production = (built / site / "specs" / "index.html").read_text()
        items = re.findall(r"<li>(.*?)</li>", here.partition('class="specsites-moved"')[2].partition("</ul>")[0])
        texts = [re.sub(r"<[^>]+>", "", item) for item in items]
        assert texts and texts == [re.sub(r"<[^>]+>", "", i) for i in re.findall(r"<li>(.*?)</li>", production.partition('class="specsites-moved"')[2].partition("</ul>")[0])]
        assert not [t for t in texts if "127.0.0.1" in t or "carbondataspec.org" in t]

"""Issue 26 in a real browser: a spec's standards header, its version selector, the
dated titles of its versions and the marks of a changes page, on a desktop and a
phone, on a build with tagged versions (test_versions' history)."""
from __future__ import annotations


import pytest

from conftest import ENV, copy_sources, run_cli
from github_pages import GitHubPagesServer
from test_versions import make_history

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
WG1 = "https://connectivity.carbondataspec.org/"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root = copy_sources(tmp_path_factory.mktemp("spec-pages") / "repo")
    make_history(root)
    result = run_cli("build", root=root, env={**ENV, "SPECSITES_CACHE_DIR": str(root.parent / "cache")})
    assert result.returncode == 0, result.stderr
    with GitHubPagesServer({"": root / "site" / "wg1-connectivity"}) as server:
        yield f"http://127.0.0.1:{server.port}/"


@pytest.fixture(scope="module")
def browser(chromium):
    browser = chromium()
    yield browser
    browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def tab(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    yield page
    context.close()


def _fields(tab) -> dict[str, str]:
    return tab.evaluate("""() => Object.fromEntries([...document.querySelectorAll('dl.specsites-spec-header dt')]
        .map(dt => [dt.textContent.trim(), dt.nextElementSibling.innerText.trim()]))""")


def _fits(tab) -> bool:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    return tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_living_spec_shows_the_standards_header(tab, served: str) -> None:
    tab.goto(served + "specs/cdsc-wg1-01/")
    fields = _fields(tab)
    for name in ("Status", "This version", "Latest published version", "Editor's draft", "Previous version",
                 "Version history", "Working group", "Editors", "Feedback", "License"):
        assert fields.get(name), (name, fields)
    assert fields["This version"].startswith("Editor's draft")
    assert "CDSC-WG1 specification editors (Carbon Data Specification Consortium)" in fields["Editors"]
    feedback = tab.locator("dl.specsites-spec-header dt:text-is('Feedback') + dd a")
    assert feedback.get_attribute("href") == "https://github.com/carbon-data-specification/Connectivity/issues"
    assert tab.locator("h2#abstract").is_visible() and tab.locator("h2#sotd").is_visible()
    assert "work in progress" in tab.locator("p.specsites-status").inner_text()
    # Cite as: the plain text shown, the BibTeX entry when asked for
    assert fields["Cite as"].startswith("CDSC-WG1 specification editors. CDSC-WG1-01: Server Metadata. ")
    assert not tab.locator(".specsites-cite-bibtex").is_visible()
    tab.locator(".specsites-cite summary").click()
    assert tab.locator(".specsites-cite-bibtex").is_visible()
    assert "@techreport{cdsc-wg1-01-draft," in tab.locator(".specsites-cite-bibtex").inner_text()
    assert _fits(tab)


def test_a_dated_version_says_what_it_is(tab, served: str) -> None:
    tab.goto(served + "specs/cdsc-wg1-01/2024-01-10/")
    assert tab.title().startswith("CDSC-WG1-01 Server Metadata (2024-01-10)")
    h1 = tab.locator("h1")
    assert h1.inner_text().startswith("CDSC-WG1-01: Server Metadata (2024-01-10 version)")
    banner = tab.locator(".specsites-old-version")
    assert banner.is_visible() and "superseded" in banner.inner_text()
    assert banner.locator("a").get_attribute("href") == WG1 + "specs/cdsc-wg1-01/"
    fields = _fields(tab)
    assert fields["This version"].startswith(WG1 + "specs/cdsc-wg1-01/2024-01-10/")
    assert fields["Latest published version"].startswith(WG1 + "specs/cdsc-wg1-01/2024-06-27/")
    tab.locator(".specsites-cite summary").click()
    cite = tab.locator(".specsites-cite-text").inner_text() + tab.locator(".specsites-cite").inner_text()
    assert "Draft, 2024-01-10. " + WG1 + "specs/cdsc-wg1-01/2024-01-10/" in cite
    assert "url = {" + WG1 + "specs/cdsc-wg1-01/2024-01-10/}" in cite
    assert _fits(tab)


def test_the_version_selector_stands_by_the_title_and_lists_every_version(tab, served: str) -> None:
    tab.goto(served + "specs/cdsc-wg1-01/2024-06-27/")
    selector = tab.locator("details.specsites-versions")
    h1, box = tab.locator("h1").bounding_box(), selector.bounding_box()
    assert selector.is_visible() and 0 <= box["y"] - (h1["y"] + h1["height"]) < 60, (h1, box)
    assert "2024-06-27" in selector.locator("summary").inner_text()
    links = selector.locator("a")
    assert not links.first.is_visible()
    selector.locator("summary").click()  # a details element: no script needed
    assert links.count() == 3 and all(links.nth(i).is_visible() for i in range(3))
    assert [links.nth(i).inner_text() for i in range(3)] == ["Editor's draft", "2024-06-27 (latest)", "2024-01-10"]
    assert selector.locator("a[aria-current=page]").inner_text() == "2024-06-27 (latest)"
    target = links.nth(2).get_attribute("href")
    tab.goto(served + target.removeprefix(WG1))
    assert "(2024-01-10 version)" in tab.locator("h1").inner_text()


def test_the_changes_page_marks_words_in_the_rendered_text(tab, served: str) -> None:
    tab.goto(served + "specs/cdsc-wg1-01/2024-06-27/changes")
    diff = tab.locator("#changed-goals + div.specsites-diff")
    removed, added = diff.locator("del"), diff.locator("ins")
    assert removed.first.inner_text() == "short" and added.first.inner_text() == "small, static and readable by a person"
    assert removed.first.is_visible() and added.first.is_visible()
    assert "line-through" in removed.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    # rendered: a list item, no Markdown markers, no code block of lines
    assert diff.locator("li").count() == 3 and diff.locator("pre").count() == 0
    assert tab.locator("#removed-old-notes + div del").inner_text().startswith("This section was dropped")
    assert _fits(tab)


def test_a_spec_prints_without_navigation_and_with_link_urls(browser, served: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    tab = context.new_page()
    try:
        tab.goto(served + "specs/cdsc-wg1-01/2024-01-10/")
        tab.emulate_media(media="print")
        assert not tab.locator(".md-sidebar--primary").is_visible() and not tab.locator(".specsites-switcher").is_visible()
        assert not tab.locator("details.specsites-versions").is_visible()
        after = tab.locator("#introduction ~ p a[href^='http']").first.evaluate("e => getComputedStyle(e, '::after').content")
        assert WG1 in after or "carbondataspec.org" in after, after
        assert tab.locator("#terminology").evaluate("e => getComputedStyle(e).breakBefore") == "page"
    finally:
        context.close()


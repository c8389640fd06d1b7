"""Issue 3: the pure parts: planning moves and rendering redirect pages.

Each known flaw of mkdocs-redirects 1.2.3 has a test here that would fail with it.
"""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from specsites.errors import SpecSitesError
from specsites.machinery.output_files import write_generated_files
from specsites.redirects.map import parse_redirects
from specsites.redirects.linker import Linker
from specsites.redirects.page import redirect_page_files, render_redirect_page
from specsites.redirects.plan import Destination, Redirect, plan_redirects

PAGES = {
    "a": {"": "", "specs": "specs/", "specs/x": "specs/x/", "specs/x/overview": "specs/x/overview.html", "guide": "guide.html"},
    "b": {"": "", "specs/y": "specs/y/", "notes": "notes.html"},
}
SITES = list(PAGES)
LINKER = Linker("a", {"a": "https://a.example/", "b": "https://b.example/staging/"})


def plan(text: str):
    rules, problems = parse_redirects(text.encode(), SITES)
    assert not problems, problems
    result = plan_redirects(rules, PAGES)
    assert not result.problems, [str(p) for p in result.problems]
    return result


def moved(result, site="a"):
    return {r.key: r for r in result.moved(site)}


def test_every_url_form_of_an_old_page_gets_a_redirect_file() -> None:
    redirect = moved(plan("a:\n  /old.html: /guide\n"))["old"]
    assert redirect.files == ("old.html", "old/index.html")
    assert redirect.to == Destination("a", "guide.html")


def test_folder_move_redirects_every_page_under_the_new_folder() -> None:
    result = moved(plan("a:\n  /drafts/*: b:/specs/*\n"))
    assert {k: r.to for k, r in result.items()} == {"drafts/y": Destination("b", "specs/y/")}


def test_chain_is_flattened_and_said() -> None:
    result = plan("a:\n  /one: /two\n  /two: b:/notes\n")
    assert moved(result)["one"].to == Destination("b", "notes.html")
    assert [str(n) for n in result.notes] == ["redirects.yml:2: /one led to a page that moved again; it now redirects straight to b:/notes"]


def test_anchor_of_a_chain_is_kept() -> None:
    result = plan("a:\n  /one: /two#intro\n  /two: /guide\n")
    assert moved(result)["one"].to == Destination("a", "guide.html", "intro")


def test_sections_of_a_page_that_stays_go_to_different_pages() -> None:
    redirect = moved(plan("a:\n  /guide#setup: b:/notes#setup\n  /guide#faq: /specs/x/#faq\n"))["guide"]
    assert redirect.to is None and redirect.files == ()
    assert redirect.anchors == {"setup": Destination("b", "notes.html", "setup"), "faq": Destination("a", "specs/x/", "faq")}


def test_real_pages_get_their_other_url_form_as_an_alias() -> None:
    aliases = {r.key: r.files for r in plan("").redirects["a"] if r.is_alias}
    assert aliases["guide"] == ("guide/index.html",) and aliases["specs/x"] == ("specs/x.html",)
    assert "" not in aliases


class _Tags(HTMLParser):
    """A page's tags, and its scripts' text, read by Python's own HTML parser."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[str, str]] = []  # (type attribute, text)
        self._script: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._script = (dict(attrs).get("type") or "") if tag == "script" else None

    def handle_data(self, data):
        if self._script is not None:
            self.scripts.append((self._script, data))

    def handle_endtag(self, tag):
        self._script = None

    @property
    def data(self) -> dict:
        """The redirect data block, as a browser's JSON.parse would read it."""
        [text] = [text for kind, text in self.scripts if kind == "application/json"]
        return json.loads(text)

    @property
    def code(self) -> str:
        [text] = [text for kind, text in self.scripts if kind == ""]
        return text


def _page(redirect: Redirect, linker: Linker = LINKER):
    return _Tags(render_redirect_page(redirect, linker))


def test_canonical_is_absolute_and_links_go_from_the_site_root() -> None:
    # Issue 12: one file answers several URLs (/old/ and, on some hosts, /old), so a
    # target relative to the file lands elsewhere; from the root it does not.
    tags = _page(Redirect("a", "old", 1, Destination("a", "specs/x/overview.html")))
    canonical = [a["href"] for t, a in tags.tags if t == "link" and a.get("rel") == "canonical"]
    assert canonical == ["https://a.example/specs/x/overview.html"]
    assert [a["href"] for t, a in tags.tags if t == "a"] == ["/specs/x/overview.html"]
    assert tags.data["to"] == "/specs/x/overview.html"


def test_links_within_a_staging_copy_keep_its_base_path() -> None:
    staging = Linker("b", LINKER.base_urls)
    tags = _page(Redirect("b", "old", 1, Destination("b", "specs/x/", "sec")), staging)
    assert [a["href"] for t, a in tags.tags if t == "a"] == ["/staging/specs/x/#sec"]


def test_cross_site_links_use_the_other_sites_base_url() -> None:
    tags = _page(Redirect("a", "old", 1, Destination("b", "notes.html")))
    assert [a["href"] for t, a in tags.tags if t == "a"] == ["https://b.example/staging/notes.html"]


def test_hostile_target_is_escaped_everywhere() -> None:
    hostile = 'https://e.example/"><script>alert(1)</script><!--'
    tags = _page(Redirect("a", "old", 1, Destination("", hostile)))
    assert [t for t, _ in tags.tags].count("script") == 2  # the data block and the script
    assert [a["href"] for t, a in tags.tags if t == "a"] == [hostile]
    assert [a["href"] for t, a in tags.tags if t == "link"] == [hostile]
    assert tags.data["to"] == hostile and not any("</script" in text for _, text in tags.scripts)


def test_target_anchor_is_not_doubled_by_the_incoming_fragment() -> None:
    # The script keeps the target's own #anchor and drops the incoming one (never #a#b);
    # the browser test follows it for real.
    tags = _page(Redirect("a", "old", 1, Destination("a", "guide.html", "sec")))
    assert tags.data["to"] == "/guide.html#sec"
    assert "var f=i<0?location.hash:t.slice(i)" in tags.code


def test_writer_refuses_paths_outside_the_site_and_real_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "guide.html").write_text("real page")
    for files in ({"../../x.html": "x"}, {"/etc/x.html": "x"}, {"guide.html": "stub"}):
        with pytest.raises(SpecSitesError):
            write_generated_files(site, files, {"guide.html"}, "redirects.yml")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["guide.html", "site"]
    assert (site / "guide.html").read_text() == "real page"


def test_any_folder_name_can_be_a_target_site() -> None:
    rules, problems = parse_redirects(b"a:\n  /x: wg_1:/y\n  /z: 3-data:/w#s\n", ["a", "wg_1", "3-data"])
    assert not problems
    assert [(r.target.site, r.target.path, r.target.anchor) for r in rules] == [("wg_1", "/y", ""), ("3-data", "/w", "s")]


def test_redirects_to_one_place_share_their_page_and_others_do_not() -> None:
    # redirect_page_files renders one page per destination (issue 18: 100,000
    # redirects to a few hundred pages); each file must still get its own
    # redirect's page, as rendering each one alone gives it.
    result = plan("a:\n  /one: b:/notes\n  /two: b:/notes\n  /three: b:/notes#top\n  /four: /guide\n"
                  "  /five: b:/notes\n  /five#setup: /guide#setup\n")
    redirects = result.redirects["a"]
    title = {"notes.html": "Notes", "guide.html": "Guide"}
    files = redirect_page_files(redirects, LINKER, lambda r: title.get(r.to.url, ""))
    assert list(files) == [f for r in redirects if r.to is not None for f in r.files]
    for r in redirects:
        for f in r.files:
            assert files[f] == render_redirect_page(r, LINKER, title.get(r.to.url, ""))
    pages = {k: files[f"{k}.html"] for k in ("one", "two", "three", "four", "five")}
    assert pages["one"] is pages["two"]  # rendered once
    assert len({pages[k] for k in ("one", "three", "four", "five")}) == 4

"""Issue 14: the pure parts behind what readers see: page titles, the 404 page's
index of known URLs, the destination's title on a redirect page."""
from __future__ import annotations

from pathlib import Path

import pytest

from specsites.pages.readers import known_urls, page_titles, site_labels, switcher_entries, title_of
from specsites.redirects.linker import Linker
from specsites.redirects.page import render_redirect_page
from specsites.redirects.plan import Destination, Redirect, load_plan
from specsites.sources.sites import load_repository

PREVIEW = {"wg1-connectivity": "http://127.0.0.1:9001/", "wg3-customer-data": "http://127.0.0.1:9002/"}


@pytest.mark.parametrize(("markdown", "title"), [
    ("# Use Cases\n\ntext", "Use Cases"),
    ("intro\n\n# CDSC-WG1-01: Server Metadata {#cdsc-wg1-01}\n", "CDSC-WG1-01: Server Metadata"),
    ("## Only a section\n", "fallback"),
    ("#not-a-heading\n", "fallback"),
])
def test_title_of(markdown: str, title: str) -> None:
    assert title_of(markdown, "fallback") == title


def test_known_urls_lead_past_redirects_to_this_copy(repo: Path) -> None:
    repository = load_repository(repo)
    linker = Linker("wg3-customer-data", PREVIEW)
    titles = {s.name: page_titles(repository, s.name) for s in repository.sites}
    known = {path: (title, href) for path, title, href in known_urls(repository, "wg3-customer-data", load_plan(repository), linker, titles)}
    assert known["use-cases"] == ("Use Cases", "http://127.0.0.1:9002/use-cases.html")
    assert known["specs/cdsc-wg1-01/overview"] == ("CDSC-WG1-01 Server Metadata: Overview", "http://127.0.0.1:9001/specs/cdsc-wg1-01/overview.html")
    assert known["specs/cdsc-wg1-03"][1] == "http://127.0.0.1:9002/specs/cdsc-wg3-01/"
    assert "specs/cdsc-wg1-02" in known and "lfess" in known


def test_switcher_lists_sites_in_the_configured_order(repo: Path) -> None:
    repository = load_repository(repo)
    entries = switcher_entries(repository, site_labels(repository), Linker("wg1-connectivity", PREVIEW))
    assert [(e["short"], e["home"], e["current"]) for e in entries] == [
        ("WG1 Connectivity", "http://127.0.0.1:9001/", True),
        ("WG3 Customer Data", "http://127.0.0.1:9002/", False),
    ]


def test_a_new_site_appears_in_the_switcher_without_other_edits(repo: Path) -> None:
    site = repo / "wg9-new"
    (site / "docs").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("INHERIT: ../mkdocs.yml\nsite_name: New Group\nsite_url: https://new.example/\n")
    base = repo / "mkdocs.yml"
    base.write_text(base.read_text().replace("        - wg3-customer-data\n", "        - wg3-customer-data\n        - wg9-new\n"))
    repository = load_repository(repo)
    entries = switcher_entries(repository, site_labels(repository), Linker("wg1-connectivity", {s.name: s.production_url for s in repository.sites}))
    assert entries[-1]["short"] == "New Group" and entries[-1]["home"] == "https://new.example/"


def test_redirect_page_escapes_the_destination_title() -> None:
    redirect = Redirect("a", "old", 3, Destination("b", "new.html"), files=("old.html",))
    page = render_redirect_page(redirect, Linker("a", {"a": "https://a.example/", "b": "https://b.example/"}),
                                '</title><script>alert(1)</script> & "x"')
    assert "<script>alert(1)" not in page
    assert "<title>Moved: &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>" in page
    assert page.count("<script") == 2  # only the redirect data block and its script


def test_an_alias_page_does_not_say_moved_and_a_move_to_another_group_names_it() -> None:
    """Issue 26: `/x` for the page `/x/` is the same page; a page on another site says whose."""
    linker = Linker("a", {"a": "https://a.example/", "b": "https://b.example/"})
    alias = render_redirect_page(Redirect("a", "specs/x", 0, Destination("a", "specs/x/"), files=("specs/x.html",)), linker, "X Spec")
    assert "moved" not in alias.lower() and "<title>X Spec</title>" in alias and "<h1>X Spec</h1>" in alias
    across = render_redirect_page(Redirect("a", "old", 3, Destination("b", "new/"), files=("old.html",)), linker, "New", "B & Co Group")
    assert "<h1>This page moved to the B &amp; Co Group site</h1>" in across and "on the site of the B &amp; Co Group" in across
    within = render_redirect_page(Redirect("a", "old", 3, Destination("a", "new/"), files=("old.html",)), linker, "New", "A Group")
    assert "<h1>This page has moved</h1>" in within and "A Group" not in within


def test_the_switcher_lists_working_groups_by_their_number(repo: Path) -> None:
    """Issue 26: wg10 after wg2, whatever order the base mkdocs.yml lists them in."""
    for folder in ("wg10-ten", "wg2-two"):
        (repo / folder / "docs").mkdir(parents=True)
        (repo / folder / "mkdocs.yml").write_text(f"INHERIT: ../mkdocs.yml\nsite_name: {folder}\nsite_url: https://{folder}.example/\n")
    base = repo / "mkdocs.yml"
    base.write_text(base.read_text().replace("        - wg1-connectivity\n        - wg3-customer-data\n",
                                             "        - wg10-ten\n        - wg3-customer-data\n        - wg2-two\n        - wg1-connectivity\n"))
    repository = load_repository(repo)
    entries = switcher_entries(repository, site_labels(repository), Linker("wg1-connectivity", {s.name: s.production_url for s in repository.sites}))
    assert [e["name"] for e in entries] == ["wg1-connectivity", "wg2-two", "wg3-customer-data", "wg10-ten"]

"""Issue 26: the working groups' own pages where their work differs, shared text
where it does not (included from docs/snippets, not copied), and a nav whose
sections do not repeat their own name."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT, SITES

PRINCIPLES = "specs/design-principles.html"


def _ids(html: str) -> set[str]:
    return set(re.findall(r'<h[2-6] id="([^"]+)"', html))


def test_connectivity_has_its_own_design_principles_and_shares_the_consortiums(built: Path) -> None:
    wg1, wg3 = (built / site / PRINCIPLES for site in ("wg1-connectivity", "wg3-customer-data"))
    wg1, wg3 = wg1.read_text(), wg3.read_text()
    assert "RFC 8414" in wg1 and "RFC 7591" in wg1 and "build-on-existing-standards" in _ids(wg1)
    assert "RFC 8414" not in wg3
    # the consortium's principles: every section of Customer Data's page is on Connectivity's too
    assert {"be-accessible", "regularly-review-and-update"} <= _ids(wg3) <= _ids(wg1)
    for text in ("Many data providers implement a specification because they are required to,",):
        assert text in wg1 and text in wg3
    # written once: in the snippet, not in either page's source
    snippet = (ROOT / "docs/snippets/consortium-principles.md").read_text()
    assert "## Be accessible {#be-accessible}" in snippet
    for source in ("docs/specs/design-principles.md", "wg1-connectivity/docs/specs/design-principles.md"):
        text = (ROOT / source).read_text()
        assert '--8<-- "consortium-principles.md"' in text and "{#be-accessible}" not in text, source


def test_no_nav_section_holds_a_child_of_its_own_name(built: Path) -> None:
    for site in SITES:
        page = (built / site / "use-cases.html").read_text()
        nav = page.split('class="md-nav md-nav--primary"', 1)[1].split('class="md-sidebar md-sidebar--secondary"', 1)[0]
        sections = re.findall(r'<label class="md-nav__link" for="[^"]+"[^>]*>\s*(?:<span[^>]*>)?\s*([^<]+?)\s*<', nav)
        links = [t.strip() for t in re.findall(r'<a href="[^"]*" class="md-nav__link[^"]*">\s*(?:<span[^>]*>)?\s*([^<]+?)\s*<', nav)]
        assert "Specifications" in sections, (site, sections)
        assert "Specifications" not in links and "All specifications" in links, (site, links)

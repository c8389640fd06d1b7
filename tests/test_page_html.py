"""What the check reads from a page: its section ids and where it sends a browser."""
from __future__ import annotations

import pytest

from specsites.page_html import parse_page


@pytest.mark.parametrize(
    "article, ids",
    [
        ('<h2 id="scope">Scope</h2>', {"scope"}),
        ("<h2 id='scope'>Scope</h2><h3 id=terms>Terms</h3>", {"scope", "terms"}),
        ('<h2\n  class="x" id = "spaced">x</h2>', {"spaced"}),
        ('<div id="a&amp;b"></div>', {"a&b"}),
        # Not ids: text that looks like one, and attributes that end in "id".
        ('<p>write id="not-an-id" in the tag</p>', set()),
        ('<p data-id="data" grid="grid" valid="x">x</p>', set()),
        ('<code>x id="in-code"</code><h2 id="real">r</h2>', {"real"}),
    ],
)
def test_section_ids_are_the_id_attributes_inside_the_article(article: str, ids: set[str]) -> None:
    page = f'<html><head></head><body><nav><a id="nav-only" href="#">x</a></nav><article class="md-content">{article}</article></body></html>'
    assert parse_page(page).ids == ids


def test_a_redirect_page_sends_the_browser_to_its_target_and_keeps_anchors_apart() -> None:
    page = (
        '<html><head><script>(function(){var d={"anchors": {"old": "/new.html#new"}, "to": "/moved.html"};'
        'var h=location.hash.slice(1);})();</script>'
        '<noscript><meta http-equiv="refresh" content="0; url=/moved.html"></noscript></head><body></body></html>'
    )
    info = parse_page(page)
    assert info.next_url("") == "/moved.html"
    assert info.next_url("other") == "/moved.html"
    assert info.next_url("old") == "/new.html#new"


def test_a_meta_refresh_alone_is_followed() -> None:
    info = parse_page("<html><head><META HTTP-EQUIV='Refresh' CONTENT='5; URL=/there.html'></head><body><h1 id=t>t</h1></body></html>")
    assert info.next_url("") == "/there.html"
    assert info.ids == {"t"}

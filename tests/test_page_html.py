"""What the check reads from a page: its section ids and where it sends a browser."""
from __future__ import annotations

import pytest

from specsites.checks.page_html import parse_page
from specsites.redirects.data import RedirectData, read_redirect_data, read_script, redirect_tags
from specsites.redirects.linker import Linker
from specsites.redirects.page import render_redirect_page
from specsites.redirects.plan import Destination, Redirect


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
        "<html><head>" + redirect_tags(RedirectData("/moved.html", {"old": "/new.html#new"}))
        + '<noscript><meta http-equiv="refresh" content="0; url=/moved.html"></noscript></head><body></body></html>'
    )
    info = parse_page(page)
    assert info.next_url("") == "/moved.html"
    assert info.next_url("other") == "/moved.html"
    assert info.next_url("old") == "/new.html#new"


HOSTILE = '"></script><script>alert(1)</script><!-- & \u2028 \u003c'


@pytest.mark.parametrize("data", [
    RedirectData("/moved.html", {}),
    RedirectData("", {"old": "/new.html#new", "x": "https://b.example/y/?q=1#z"}),
    RedirectData("https://b.example/staging/notes.html", {HOSTILE: HOSTILE}),
    RedirectData(HOSTILE, {"\u2028": "/a b/\u00e9.html"}),
])
def test_the_check_reads_what_the_writer_wrote(data: RedirectData) -> None:
    # The one contract: read_redirect_data reads back exactly what redirect_tags wrote,
    # whatever the targets hold; a change to either side alone fails here.
    tags = redirect_tags(data)
    assert read_redirect_data("<head>" + tags + "</head>") == data
    assert read_script("<head>" + tags).target("") == (data.to, "")  # as the page's script takes it
    info = parse_page(f"<html><head><title>x</title>{tags}</head><body></body></html>")
    assert (info.script_to, info.script_anchors) == (data.to, data.anchors)


def test_a_rendered_redirect_page_is_read_as_redirecting_to_its_target() -> None:
    linker = Linker("a", {"a": "https://a.example/base/", "b": "https://b.example/"})
    redirect = Redirect("a", "old", 1, Destination("a", "guide.html", "sec"), anchors={"gone": Destination("b", "notes.html", "n")})
    info = parse_page(render_redirect_page(redirect, linker))
    assert info.next_url("") == "/base/guide.html#sec"
    assert info.next_url("gone") == "https://b.example/notes.html#n"


def test_a_meta_refresh_alone_is_followed() -> None:
    info = parse_page("<html><head><META HTTP-EQUIV='Refresh' CONTENT='5; URL=/there.html'></head><body><h1 id=t>t</h1></body></html>")
    assert info.next_url("") == "/there.html"
    assert info.ids == {"t"}


SCRIPT = redirect_tags(RedirectData("/x"))[redirect_tags(RedirectData("/x")).index("</script>") + 9:]


@pytest.mark.parametrize("block, fragment, goes, stops", [
    ('{"anchors": {"a": "/new#b"}, "to": "/x"}', "a", "/new#b", ""),
    ('{"anchors": {"a": "/new#b"}, "to": "/x"}', "other", "/x", ""),
    ('{"anchors": {"a": ""}, "to": "/x"}', "a", "/x", ""),  # "" is false: on to d.to
    ('{"anchors": {}, "to": null}', "", "", ""),  # a page that stays
    ('{"anchors": {}, "to": 0}', "", "", ""),
    ('{"anchors": {},, "to": "/x"}', "", "", "not valid JSON"),  # one stray comma
    ('{"anchors": {}, "to": "/x"', "", "", "not valid JSON"),
    ('{"anchors": {}, "to": NaN}', "", "", "not valid JSON"),  # Python reads NaN, JSON.parse does not
    ("null", "", "", "is null"),
    ('{"to": "/x"}', "", "/x", ""),
    ('{"to": "/x"}', "a", "", "no anchors map"),  # d.anchors[h] of undefined throws
    ('{"anchors": {}, "to": "/x"}', "constructor", "", "every script object has"),
    ('{"anchors": {}, "to": 5}', "", "", "not text"),
    ('["/x"]', "", "", ""),  # d.to of a list: undefined, so it stays
])
def test_the_script_is_read_as_the_browser_runs_it(block: str, fragment: str, goes: str, stops: str) -> None:
    head = f'<head><script type="application/json" data-specsites-redirect>{block}</script>{SCRIPT}'
    target, problem = read_script(head).target(fragment)
    assert target == goes and (stops in problem if stops else problem == ""), (target, problem)


def test_a_page_without_its_script_or_block_is_not_sent_on_by_it() -> None:
    tags = redirect_tags(RedirectData("/x"))
    block_only = tags[: tags.index("</script>") + 9]
    assert "missing" in read_script("<head>" + block_only).target("")[1]
    assert "finds no data block" in read_script("<head>" + SCRIPT).target("")[1]
    assert read_script("<head><title>t</title>") is None
    refresh = '<noscript><meta http-equiv="refresh" content="0; url=/x"></noscript>'
    page = parse_page(f"<html><head>{block_only}{refresh}</head><body></body></html>")
    assert page.leads("", script=True).stuck.startswith("stays on this redirect page with JavaScript: its redirect script is missing")
    assert page.leads("a", script=False) == ("/x", True, "")  # the refresh, which drops the #fragment

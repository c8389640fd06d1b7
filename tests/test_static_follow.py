"""StaticFollower answers from the built files exactly as a GitHub Pages server does.

Each case is followed twice: through the files, and over HTTP from a real server on
127.0.0.1 with GitHub Pages' rules serving the same folder; the walks must agree.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GitHubPagesServer, refresh_page
from http_follow import follow
from specsites.checks.http_fetch import HttpFetch
from specsites.checks.static_follow import StaticFollower
from specsites.checks.static_host import IndexedFiles


def _page(*ids: str) -> str:
    headings = "".join(f'<h2 id="{i}">{i}</h2>' for i in ids)
    return f"<!doctype html><html><head><title>t</title></head><body><article>{headings}</article></body></html>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    files = {
        "index.html": _page("home"),
        "b.html": _page("x"),
        "a/index.html": refresh_page("../b.html"),  # relative, as the build writes them
        "c/d.html": refresh_page("e.html"),
        "c/e.html": _page("in-c"),
        "e.html": _page("at-root"),
        "loop.html": refresh_page("loop2.html"),
        "loop2.html": refresh_page("loop.html"),
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def base(site: Path):
    with GitHubPagesServer({"": site}) as server:
        yield f"http://127.0.0.1:{server.port}/"


CASES = [
    # URL, where it lands (relative to the base), its section ids
    ("c%2Fd.html", "e.html", {"at-root"}),  # served c/d.html, but the browser is at the root
    ("c/d.html", "c/e.html", {"in-c"}),  # the same file, from its own folder
    ("c/d", "c/e.html", {"in-c"}),
    ("a", "b.html", {"x"}),  # 301 to a/, then the redirect page
    ("a/", "b.html", {"x"}),
    # a meta refresh is a new navigation: the #fragment and ?query stay behind, as in a browser
    ("a/index.html#x", "b.html", {"x"}),
    ("a/?q=1", "b.html", {"x"}),
    ("c//d.html", "c/e.html", {"in-c"}),  # slashes merged, as nginx does
    ("gone", "gone", set()),
    ("y" * 300, "y" * 300, set()),  # too long a name for the disk: not found, not a crash
    ("loop.html", "loop.html", set()),
]


def test_files_and_http_agree_step_by_step(site: Path, base: str) -> None:
    static = StaticFollower({base: site}, max_hops=3)  # one follower for all: what it remembers must not leak
    for url, lands, ids in CASES:
        with HttpFetch() as fetch:
            from_files, over_http = static.follow(base + url), follow(base + url, fetch, max_hops=3)
        assert (from_files.hops, from_files.ids, from_files.error) == (over_http.hops, over_http.ids, over_http.error), url
        assert (from_files.url, set(from_files.ids)) == (base + lands, ids), url
    assert static.follow(base + "gone").error == "status 404"
    assert static.follow(base + "loop.html").error.startswith("redirect loop:")


def test_a_base_url_without_its_slash(site: Path, base: str) -> None:
    bare_host = base.rstrip("/")
    with HttpFetch() as fetch:
        assert StaticFollower({base: site}).follow(bare_host).hops == follow(bare_host, fetch).hops == [(bare_host, 200)]
    nested = StaticFollower({"https://h.example/": site / "c", "https://h.example/sub/": site})
    assert nested.follow("https://h.example/sub").hops == [("https://h.example/sub", 301), ("https://h.example/sub/", 200)]
    assert nested.follow("https://h.example/sub").ids == {"home"}


def test_an_output_that_changes_under_the_check_is_a_one_line_error(tmp_path: Path) -> None:
    from specsites.errors import SpecSitesError

    (tmp_path / "x.html").write_text(_page("x"))
    static = StaticFollower({"https://h.example/": tmp_path})
    static.files("https://h.example/")  # listed; then the file goes, as in a rebuild
    (tmp_path / "x.html").unlink()
    with pytest.raises(SpecSitesError, match=r"x\.html: cannot read the built output .* rebuild it with scripts/build"):
        static.follow("https://h.example/x")
    with pytest.raises(SpecSitesError, match="missing: cannot read the built output"):
        StaticFollower({"https://h.example/": tmp_path / "missing"}).files("https://h.example/")


@pytest.mark.parametrize("broken", ["to nowhere", "a loop", "through a file"])
def test_a_broken_link_is_no_file_either_way(site: Path, base: str, tmp_path: Path, broken: str) -> None:
    """Listed (IndexedFiles) or asked of the disk (as the server does), a link that
    leads nowhere is nothing: a 404, not an unreadable output."""
    link = site / "dangling.html"
    link.symlink_to({"to nowhere": tmp_path / "nowhere.html", "a loop": link, "through a file": site / "b.html" / "x"}[broken])
    try:
        with HttpFetch() as fetch:
            assert follow(base + "dangling", fetch).error == "status 404"
        for files in (None, {base: IndexedFiles(site)}):
            assert StaticFollower({base: site}, files=files).follow(base + "dangling").error == "status 404"
    finally:
        link.unlink()

"""The static check's fast path (a published URL judged by the two files its forms
serve) and its listing on the workers, held to the plain walk (every job followed
with one StaticFollower, as tests/test_check_parts.py does) on damaged real builds."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from conftest import copy_sources
from test_check_parts import _every_job_followed, _split_check
from specsites.commands.check import MAX_HOPS
from specsites.redirects.data import RedirectData, redirect_tags
from specsites.redirects.plan import load_plan
from specsites.sources.sites import load_repository
from specsites.checks.static_follow import StaticFollower


def _damaged_copy(built: Path, tmp_path: Path) -> tuple[Path, Path, list]:
    root = copy_sources(tmp_path / "repo")
    shutil.copytree(built, root / "site")
    site = root / "site" / "wg3-customer-data"
    return root, site, load_plan(load_repository(root)).moved("wg3-customer-data")


@pytest.mark.slow  # several builds
def test_a_moved_page_in_a_linked_folder_is_judged_as_the_listing_sees_it(built: Path, tmp_path: Path) -> None:
    # The folder of a moved page's redirect page replaced by a link to a copy of it
    # outside the output: the listing does not go through links to folders, so the
    # plain walk finds no /x/index.html there (a 404); the split check must say so too.
    root, site, moved = _damaged_copy(built, tmp_path)
    folder = site / moved[1].files[1].rpartition("/")[0]
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(folder, elsewhere)
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    expected = _every_job_followed(root)
    assert any(f["url"].rstrip("/") == "/" + moved[1].key and "status 404" in f["problem"] for f in expected["failures"]), expected["failures"]
    assert _split_check(root, with_results=False) == {k: v for k, v in expected.items() if k != "results"}
    assert _split_check(root, with_results=True) == expected


def test_the_fast_path_does_not_judge_a_form_that_is_another_sites_base_url(built: Path, tmp_path: Path) -> None:
    # One site served inside another, at a base URL ending in .html/: GitHub Pages
    # answers /x.html of the outer site (that base without its last slash) with a
    # 301 to the inner site, not with the outer site's x.html. Here the inner site
    # lost its home page, so that form is a 404, whatever x.html says.
    out = tmp_path / "site"
    shutil.copytree(built, out)
    (out / "wg1-connectivity" / "index.html").unlink()
    outer, inner = "https://h.test/", "https://h.test/specs/cdsc-wg1-02.html/"
    follower = StaticFollower({outer: out / "wg3-customer-data", inner: out / "wg1-connectivity"}, MAX_HOPS)
    form = outer + "specs/cdsc-wg1-02.html"
    assert (out / "wg3-customer-data" / "specs/cdsc-wg1-02.html").is_file()
    assert follower.land(form).error.startswith("status 404"), follower.land(form)
    assert follower.file_landing(outer, form, "specs/cdsc-wg1-02.html") is None


def test_a_target_resolved_against_the_whole_address_is_not_shared_by_a_folders_urls(built: Path, tmp_path: Path) -> None:
    # /x and /x.html serve x.html from one URL folder; a target like "?from=old"
    # (or "#id") resolves against the whole address, so the two go to different
    # places. Which was asked first must not decide where the other goes: the plain
    # walk and the split check ask in different orders.
    out = tmp_path / "site"
    shutil.copytree(built, out)
    base = "https://customerdata.carbondataspec.org/"
    page = out / "wg3-customer-data" / "specs/cdsc-wg1-03.html"
    page.write_text(f"<!doctype html><html><head>{redirect_tags(RedirectData('?from=old'))}</head><body></body></html>")
    folders = {"https://connectivity.carbondataspec.org/": out / "wg1-connectivity", base: out / "wg3-customer-data"}
    alone = StaticFollower(folders, MAX_HOPS).land(base + "specs/cdsc-wg1-03.html")
    assert alone.hops[1][0] == base + "specs/cdsc-wg1-03.html?from=old", alone
    follower = StaticFollower(folders, MAX_HOPS)
    follower.land(base + "specs/cdsc-wg1-03")
    assert follower.land(base + "specs/cdsc-wg1-03.html").hops == alone.hops


def _redirect_page(data: RedirectData, head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}{redirect_tags(data)}</head><body>{body}</body></html>"


CHAINS = {  # each moved page's two files send to the next target: redirects at and over MAX_HOPS, and a loop through another form
    "three redirects": ["/specs/cdsc-wg1-01/overview/", "/specs/cdsc-wg1-02/", "/use-cases#not-in-scope"],
    "four redirects": ["/specs/cdsc-wg1-01/overview/", "/specs/cdsc-wg1-02/", "/specs/cdsc-wg1-02/overview/", "/use-cases"],
    "a loop through another form": ["/specs/cdsc-wg1-01/overview/", "/specs/cdsc-wg1-01.html"],
}


@pytest.mark.parametrize("chain", list(CHAINS))
def test_chains_of_redirect_pages_are_judged_as_the_plain_walk_does(built: Path, tmp_path: Path, chain: str) -> None:
    root, site, moved = _damaged_copy(built, tmp_path)
    for redirect, to in zip(moved, CHAINS[chain]):
        for file in redirect.files:  # one data block on both files, with an anchors map sending an id elsewhere
            (site / file).write_text(_redirect_page(RedirectData(to, {"other-drafts": to.partition("#")[0] + "#gone"})))
    expected = _every_job_followed(root)
    assert expected["failures"], chain
    assert _split_check(root, with_results=False) == {k: v for k, v in expected.items() if k != "results"}


@pytest.mark.slow  # several builds
@pytest.mark.parametrize("seed", range(6))
def test_redirect_pages_damaged_at_random_are_judged_as_the_plain_walk_does(built: Path, tmp_path: Path, seed: int) -> None:
    # Targets of every kind the walk tells apart: paths from the root (to redirect
    # pages, forms, real pages, with and without an id), relative ones, ?query and
    # #id ones (resolved against the whole address), other hosts, escapes, merged
    # slashes; data blocks shared by several files, anchors maps, a meta refresh
    # beside the block, pages that stay; files deleted or made folders.
    root, site, moved = _damaged_copy(built, tmp_path)
    rng = random.Random(seed)
    files = [f for r in moved for f in r.files]
    ids = ["other-drafts", "not-in-scope", "account", "x1"]
    targets = ["/" + f for f in files] + [f"/{r.key}{end}" for r in moved for end in ("", "/")] + [
        "/use-cases", "/use-cases.html?x=1", "/nowhere.html", "/specs/cdsc-wg3-01/", "overview.html", "overview/", "../cdsc-wg1-02/", "./", "?q=1",
        "https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/", "https://customerdata.carbondataspec.org/specs/cdsc-wg1-02.html",
        "//customerdata.carbondataspec.org/specs/cdsc-wg1-03/", "https://example.org/x", "/specs/cdsc-wg1-01/%2E%2E/cdsc-wg1-02/", "/specs/cdsc-wg1-01//overview/",
    ]

    def target() -> str:
        to = rng.choice(targets)
        return to + "#" + rng.choice(ids) if rng.random() < 0.3 and "#" not in to else "#" + rng.choice(ids) if rng.random() < 0.1 else to

    blocks = [RedirectData(target(), {i: target() for i in rng.sample(ids, rng.randrange(3))}) for _ in range(5)]
    for file in files:
        path, roll = site / file, rng.random()
        if roll < 0.5:
            refresh = '<meta http-equiv="refresh" content="0; url=/use-cases">' if rng.random() < 0.2 else ""
            path.write_text(_redirect_page(rng.choice(blocks), refresh, f'<article><h2 id="{rng.choice(ids)}">x</h2></article>'))
        elif roll < 0.6:
            path.write_text(_redirect_page(RedirectData("", {rng.choice(ids): target()}), body=f'<article><h2 id="{rng.choice(ids)}">x</h2></article>'))
        elif roll < 0.65:
            path.unlink()
        elif roll < 0.7:
            path.unlink()
            path.mkdir()
    expected = _every_job_followed(root)
    assert _split_check(root, with_results=False) == {k: v for k, v in expected.items() if k != "results"}

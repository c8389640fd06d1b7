"""Issue 2: both sites build from one repository, at the published URLs and ids."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ENV, ROOT, SITES, fixture_repo, run_cli, tree_snapshot
from specsites.sources.inventory import load_inventory
from specsites.checks.page_html import parse_page
from specsites.redirects.plan import load_plan
from specsites.sources.sites import load_repository
from specsites.checks.static_host import answer
from specsites.urls import page_key

HOME = ["scope", "use-cases", "specs", "contributing", "contributing-non-members", "contributing-members", "license", "code-of-conduct"]


def _published_pages() -> list[tuple[str, str, list[str]]]:
    """(site, URL, ids) for every URL published-urls.yml lists that redirects.yml does
    not move, with the ids it does not send elsewhere: each must be a page of the build.
    (Moved URLs and ids are the check's: tests/test_check.py.)"""
    repo = load_repository(ROOT)
    plan = load_plan(repo)
    cases = []
    for site, urls in sorted(load_inventory(repo).items()):
        moved = {r.key: r for r in plan.moved(site)}
        for url, ids in sorted(urls.items()):
            redirect = moved.get(page_key(url))
            if redirect is not None and redirect.to is not None:
                continue
            cases.append((site, url, sorted(set(ids) - set(redirect.anchors if redirect else ()))))
    return cases


PUBLISHED = _published_pages()


def served_page(site_dir: Path, url: str):
    result = answer(site_dir, url)
    assert result.status == 200, f"{url} answers {result.status}"
    return result.file, parse_page(result.file.read_text(encoding="utf-8"))


def test_the_inventory_names_pages_of_every_site() -> None:
    assert {site for site, _, _ in PUBLISHED} == set(SITES)
    assert all(("/" in [u for s, u, _ in PUBLISHED if s == site]) for site in SITES)


@pytest.mark.parametrize(("site", "url", "ids"), PUBLISHED)
def test_every_published_url_serves_a_page_with_its_ids(built: Path, site: str, url: str, ids: list[str]) -> None:
    file, page = served_page(built / site, url)
    assert not page.script_to and not page.refresh, f"{url} is a redirect, not a page"
    missing = [i for i in ids if i not in page.ids]
    assert not missing, f"{site}{url} lacks ids {missing}"


def test_home_sections_come_in_order_with_license_and_code_of_conduct_last(built: Path) -> None:
    for site in SITES:
        text = (built / site / "index.html").read_text()
        positions = [text.index(f'id="{i}"') for i in HOME]
        assert positions == sorted(positions)


@pytest.mark.parametrize("site", SITES)
def test_site_output_is_ready_to_publish(built: Path, site: str) -> None:
    out = built / site
    assert (out / "CNAME").read_text().strip() == SITES[site]
    assert (out / ".nojekyll").exists()
    assert answer(out, "/no-such-page").status == 404 and (out / "404.html").is_file()
    sitemap = (out / "sitemap.xml").read_text()
    assert f"https://{SITES[site]}/use-cases.html" in sitemap
    assert "cdsc-wg1-03" not in sitemap and "use-cases/index.html" not in sitemap  # redirect pages are not pages
    search = (out / "search" / "search_index.json").read_text()
    assert '"location":"use-cases.html' in search.replace(" ", "") and "cdsc-wg1-03" not in search


@pytest.mark.parametrize(("site", "spec"), [("wg1-connectivity", "cdsc-wg1-01"), ("wg1-connectivity", "cdsc-wg1-02"), ("wg3-customer-data", "cdsc-wg3-01")])
def test_spec_page_renders_its_source_and_links_to_it(built: Path, site: str, spec: str) -> None:
    source = (Path(__file__).parents[1] / site / "specifications" / f"{spec}.md").read_text()
    meta = yaml.safe_load(source.split("---\n")[1])  # the front matter
    html = (built / site / "specs" / spec / "index.html").read_text()
    assert f"<title>{meta['id']} {meta['title']} - " in html
    assert f'<h1 id="{spec}">{meta["id"]}: {meta["title"]}' in html
    assert 'id="introduction"' in html  # and the body follows
    assert f'href="https://github.com/carbon-data-specification/specsites/blob/main/{site}/specifications/{spec}.md"' in html


def test_shared_pages_come_from_one_copy(repo: Path, tmp_path: Path) -> None:
    text = repo / "docs" / "lfess.md"
    text.write_text(text.read_text().replace("# ", "# Shared-marker ", 1))
    assert run_cli("build", root=repo).returncode == 0
    for site in SITES:
        assert "Shared-marker" in (repo / "site" / site / "lfess.html").read_text()


def test_specs_index_lists_moved_specifications(built: Path) -> None:
    page = (built / "wg3-customer-data" / "specs" / "index.html").read_text()
    assert "CDSC-WG1-03 was renamed" in page and 'href="cdsc-wg3-01/"' in page
    assert 'href="https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/"' in page
    wg1 = (built / "wg1-connectivity" / "specs" / "index.html").read_text()
    assert 'CDSC-WG1-01</a> moved here from the CDSC Customer Data Working Group site.' in wg1


def test_banner_is_in_every_page_keyed_to_the_production_host(built: Path) -> None:
    for site, host in SITES.items():
        for page in ("index.html", "use-cases.html", "specs/design-principles.html"):
            text = (built / site / page).read_text()
            assert 'id="specsites-banner"' in text and "hidden" in text
            assert f'location.hostname !== "{host}"' in text


def test_build_prints_a_line_per_site_and_the_total(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path / "repo")  # its pages and moves are the test's own
    result = run_cli("build", root=root)
    assert result.returncode == 0, result.stderr
    counts = [re.sub(r" +\d+\.\d\d s$", " T s", line) for line in result.stdout.splitlines()]
    assert counts == [
        "alpha                   3 pages      0 redirects     2 URL aliases T s",
        "beta                    3 pages      2 redirects     2 URL aliases T s",
        "gamma                   2 pages      0 redirects     1 URL aliases T s",
        f"built 3 sites into {root / 'site'} in T s",
    ]


@pytest.mark.slow  # several builds
def test_a_broken_link_fails_and_leaves_the_previous_output_untouched(repo: Path) -> None:
    assert run_cli("build", root=repo).returncode == 0
    before = tree_snapshot(repo / "site")
    page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\n[gone](no-such-page.md)\n")
    result = run_cli("build", root=repo)
    assert result.returncode == 2
    lines = len(page.read_text().splitlines())
    assert result.stderr.splitlines() == [
        f"error: wg1-connectivity/docs/use-cases.md:{lines}: the link 'no-such-page.md' goes to no page; point it at an existing page"
    ]
    assert tree_snapshot(repo / "site") == before
    assert not [p.name for p in repo.iterdir() if p.name.startswith(".site")]  # no half-built folder left


def test_a_missing_nav_file_fails_the_build(repo: Path) -> None:
    (repo / "wg3-customer-data" / "docs" / "use-cases.md").unlink()
    result = run_cli("build", root=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    nav_line = 1 + next(i for i, line in enumerate((repo / "wg3-customer-data" / "mkdocs.yml").read_text().splitlines()) if "use-cases.md" in line)
    assert f"error: wg3-customer-data/mkdocs.yml:{nav_line}: nav names use-cases.md, which does not exist; create it or fix the nav entry" in result.stderr.splitlines()
    assert "error: wg3-customer-data/docs/index.md:" in result.stderr  # and each link to it, with its line


def test_a_missing_section_names_the_link_and_the_fix(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "index.md"
    page.write_text(page.read_text() + "\nSee [what is out](use-cases.md#out-of-scope).\n")
    result = run_cli("build", root=repo)
    lines = len(page.read_text().splitlines())
    assert result.stderr.splitlines() == [
        f"error: wg3-customer-data/docs/index.md:{lines}: the link 'use-cases.md#out-of-scope' names no section of use-cases.md; "
        "use one of its heading ids, or add {#out-of-scope} to a heading"
    ]


@pytest.mark.parametrize("site", SITES)
def test_plain_mkdocs_builds_a_site_with_the_same_redirects(repo: Path, built: Path, site: str, tmp_path: Path) -> None:
    out = tmp_path / "plain"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / site / "mkdocs.yml"), "-d", str(out)],
        capture_output=True, text=True, env=ENV,
    )
    assert result.returncode == 0, result.stderr
    generated = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and "assets" not in p.parts}
    expected = {p.relative_to(built / site).as_posix() for p in (built / site).rglob("*") if p.is_file() and "assets" not in p.parts}
    assert generated == expected
    for name in ("_redirects", "netlify.toml", "nginx-redirects.conf"):
        assert (out / name).read_text() == (built / site / name).read_text(), name


@pytest.mark.slow  # several builds
def test_two_builds_at_once_never_leave_a_mixed_site(repo: Path) -> None:
    """Builds into the same output are serialised by a lock on its parent folder; each
    swaps in complete. Two real processes, each building for different base URLs."""
    import re

    commands = []
    for name in ("first", "second"):
        pairs = [f"--base-url={site}=https://{name}.example/{site}/" for site in SITES]
        commands.append([sys.executable, "-m", "specsites", "--root", str(repo), "build", *pairs])
    processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for c in commands]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    hosts = set()
    for page in (repo / "site").rglob("*.html"):
        hosts.update(re.findall(r'<link rel="canonical" href="https://(\w+)\.example/', page.read_text()))
    assert len(hosts) == 1, f"pages from both builds: {hosts}"
    assert not [p.name for p in repo.iterdir() if p.name.startswith(".site")]


@pytest.mark.slow  # several builds
def test_building_one_site_leaves_the_others_in_place(repo: Path) -> None:
    assert run_cli("build", root=repo).returncode == 0
    wg3_before = tree_snapshot(repo / "site" / "wg3-customer-data")
    page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text().replace("# ", "# Only-wg1-marker ", 1))
    result = run_cli("build", "--site", "wg1-connectivity", root=repo)
    assert result.returncode == 0, result.stderr
    # (the lines after the sites' own: the total, and ids not yet recorded in published-urls.yml)
    assert [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(("built ", "not yet published"))] == ["wg1-connectivity"]
    assert "Only-wg1-marker" in (repo / "site" / "wg1-connectivity" / "use-cases.html").read_text()
    assert tree_snapshot(repo / "site" / "wg3-customer-data") == wg3_before


@pytest.mark.parametrize("out", [".", "docs", "wg1-connectivity/docs", ".."])
def test_an_output_folder_holding_the_sources_is_refused(repo: Path, out: str) -> None:
    before = tree_snapshot(repo)
    result = run_cli("build", "--out", repo / out, root=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --out: ") and "sources" in result.stderr
    assert tree_snapshot(repo) == before


@pytest.mark.slow  # several builds
def test_a_foreign_output_folder_is_not_replaced(repo: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "somebody-elses"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = run_cli("build", "--out", foreign, root=repo)
    assert result.returncode == 2 and "not made by specsites build" in result.stderr
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert run_cli("build", "--out", foreign / "site", root=repo).returncode == 0  # a new folder is fine
    assert run_cli("build", "--out", foreign / "site", root=repo).returncode == 0  # and replacing its own output


def test_a_site_named_twice_is_built_once(repo: Path) -> None:
    result = run_cli("build", "--site", "wg3-customer-data", "--site", "wg3-customer-data", root=repo)
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(("built ", "not yet published"))] == ["wg3-customer-data"]


@pytest.mark.parametrize("url", ['https://e.example/"><script>', "https://e.example/a b", "ftp://e.example/", "https://"])
def test_an_unsafe_base_url_is_refused(repo: Path, url: str) -> None:
    result = run_cli("build", f"--base-url=wg1-connectivity={url}", root=repo)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --base-url: ") and not (repo / "site").exists()


def test_flattened_chains_are_said(repo: Path) -> None:
    with open(repo / "redirects.yml", "a") as redirects:
        redirects.write("  /drafts/customer-data/: /specs/cdsc-wg1-03/\n")
    result = run_cli("build", root=repo)
    assert result.returncode == 0, result.stderr
    line = len((repo / "redirects.yml").read_text().splitlines())
    assert f"note: redirects.yml:{line}: /drafts/customer-data/ led to a page that moved again; it now redirects straight to wg3-customer-data:/specs/cdsc-wg3-01/" in result.stdout

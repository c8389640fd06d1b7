"""Issue 4: `specsites check` proves every published URL and id still lands."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, SITES, GitHubPagesServer, copy_sources, fixture_repo, record_published, refresh_page, run_cli

SCHEMA = json.loads((ROOT / "scripts" / "specsites" / "commands" / "check-report.schema.json").read_text())


def check_json(*args, root: Path) -> tuple[int, dict]:
    result = run_cli("check", "--json", "--all", *args, root=root)
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, SCHEMA)
    return result.returncode, report


@pytest.fixture(scope="module")
def fixture_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixture-repo, built once for the module: copy it before changing it."""
    root = fixture_repo(tmp_path_factory.mktemp("fixture") / "repo")
    assert run_cli("build", root=root).returncode == 0
    return root


def test_clean_build_passes(built: Path) -> None:
    result = run_cli("check", "--out", built)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("note: ")]
    assert [line.split()[0] for line in lines[:-1]] == list(SITES) and lines[-1] == "all URLs land"
    assert all(line.endswith(" 0 failures") for line in lines[:-1])


def test_the_check_counts_what_it_followed_per_site(fixture_built: Path) -> None:
    result = run_cli("check", root=fixture_built)  # the fixture's URLs, ids and moves are the test's own
    assert result.returncode == 0, result.stdout + result.stderr
    # beta: 5 URLs (2 moved), 7 ids, and 4 redirect pages (2 moved pages, 2 files each)
    assert result.stdout.splitlines() == [
        "alpha                    3 URLs      4 anchors       0 redirects     0 failures",
        "beta                     5 URLs      7 anchors       4 redirects     0 failures",
        "gamma                    2 URLs      2 anchors       0 redirects     0 failures",
        # /guide#setup and /old-notes#terms through a redirect page, /notes#glossary off a page that stays
        "note: 3 ids reach their section only with JavaScript; without it they land on a page but not on the section"
        " (a meta refresh cannot carry a #fragment: a known limit of hosts without redirect rules, such as GitHub Pages)",
        "all URLs land",
    ]


def test_json_report_has_the_documented_shape_and_covers_the_old_site(built: Path) -> None:
    code, report = check_json("--out", built, root=ROOT)
    assert code == 0 and report["ok"] is True
    starts = {(r["site"], r["start"]): r for r in report["results"]}
    moved = starts[("wg3-customer-data", "/specs/cdsc-wg1-01/overview.html")]
    assert moved["lands"] == "wg1-connectivity:/specs/cdsc-wg1-01/overview.html" and moved["ok"]
    anchor = starts[("wg3-customer-data", "/specs/cdsc-wg1-03/#other-drafts")]
    assert anchor["lands"] == "wg3-customer-data:/specs/cdsc-wg3-01/#other-drafts"


def _add_page(repo: Path, name: str, text: str) -> None:
    (repo / "wg1-connectivity" / "docs" / f"{name}.md").write_text(text)
    config = repo / "wg1-connectivity" / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Use Cases: use-cases.md\n", f"  - Use Cases: use-cases.md\n  - {name}: {name}.md\n"))


def _remove_page(repo: Path, name: str) -> None:
    (repo / "wg1-connectivity" / "docs" / f"{name}.md").unlink()
    config = repo / "wg1-connectivity" / "mkdocs.yml"
    config.write_text(config.read_text().replace(f"  - {name}: {name}.md\n", ""))


@pytest.mark.slow  # several builds
def test_removed_page_without_redirect_fails_naming_the_url_and_the_fix(repo: Path) -> None:
    _add_page(repo, "glossary", "# Glossary\n\n## Terms {#terms}\n")
    assert run_cli("build", root=repo).returncode == 0
    record_published(repo, "wg1-connectivity", "/glossary", ["terms"])  # it went live
    _remove_page(repo, "glossary")
    assert run_cli("build", root=repo).returncode == 0

    result = run_cli("check", root=repo)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "FAIL wg1-connectivity /glossary: status 404 (wg1-connectivity:/glossary); "
        "fix: add under `wg1-connectivity:` in redirects.yml:  /glossary: /lfess"
    )
    # the fix, applied, moves the failure to the page's sections: the build now names it
    with open(repo / "redirects.yml", "a") as redirects:
        redirects.write("wg1-connectivity:\n  /glossary: /lfess\n")
    build = run_cli("build", root=repo)
    assert build.returncode == 2 and build.stderr.splitlines() == [
        "error: docs/lfess.md: /glossary#terms was published, and /lfess, where /glossary now lands, has no such id, "
        "and no heading on any site has that id or its text; restore {#terms} on the heading that replaced it, "
        "or add under `wg1-connectivity:` in redirects.yml an entry from /glossary#terms to the section that did"
    ]
    assert _add_redirects_and_check(repo, "  /glossary#terms: /specs/design-principles#be-useful\n").returncode == 0


def _add_redirects_and_check(repo: Path, lines: str):
    with open(repo / "redirects.yml", "a") as redirects:
        redirects.write(lines)
    assert run_cli("build", root=repo).returncode == 0
    return run_cli("check", root=repo)


def _drop_id_from_output(site_dir: Path, page: str, old: str, new: str) -> None:
    """A served page that lost an id: what a live host may serve, or a hand edit."""
    file = site_dir / page
    file.write_text(file.read_text().replace(f'id="{old}"', f'id="{new}"'))


def test_id_missing_from_the_output_but_in_the_sources_says_to_publish(built: Path, tmp_path: Path) -> None:
    import shutil

    root = copy_sources(tmp_path / "repo")
    shutil.copytree(built, root / "site")
    _drop_id_from_output(root / "site" / "wg3-customer-data", "use-cases.html", "not-in-scope", "gone")
    code, report = check_json(root=root)
    assert code == 1
    assert report["failures"] == [{
        "site": "wg3-customer-data", "url": "/use-cases#not-in-scope",
        "problem": "lands on wg3-customer-data:/use-cases, which has no id 'not-in-scope'; "
        "the sources have it, so this output is not what they build: publish them again",
        "fix": "",
    }]


@pytest.mark.slow  # several builds
def test_renamed_published_id_fails_the_build_with_the_fix_then_passes_with_it(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text().replace("{#not-in-scope}", "{#out-of-scope}"))
    build = run_cli("build", root=repo)
    assert build.returncode == 2
    assert build.stderr.splitlines() == [
        "error: wg3-customer-data/docs/use-cases.md:37: /use-cases#not-in-scope was published and /use-cases "
        "no longer has that id; fix: add under `wg3-customer-data:` in redirects.yml:  "
        "/use-cases#not-in-scope: /use-cases#out-of-scope  (or restore {#not-in-scope})"
    ]
    with open(repo / "redirects.yml", "a") as redirects:
        redirects.write("  /use-cases#not-in-scope: /use-cases#out-of-scope\n")
    assert run_cli("build", root=repo).returncode == 0
    assert run_cli("check", root=repo).returncode == 0


def test_moved_heading_id_suggests_where_it_went(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    text = page.read_text()
    page.write_text(text.replace("{#not-in-scope}", "{#out-of-scope}").replace("## Not in scope", "## Outside"))
    other = repo / "wg3-customer-data" / "docs" / "index.md"
    other.write_text(other.read_text() + "\n## What is not in scope {#not-in-scope}\n")
    build = run_cli("build", root=repo)
    assert build.returncode == 2
    assert "in redirects.yml:  /use-cases#not-in-scope: /#not-in-scope  (or restore {#not-in-scope})" in build.stderr


def test_redirect_loop_fails(fixture_built: Path, tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(fixture_built, tmp_path / "repo", symlinks=True)
    site = root / "site" / "beta"  # beta's /old-notes moved to /notes: two redirect pages
    (site / "old-notes" / "index.html").write_text(refresh_page("../old-notes.html"))
    (site / "old-notes.html").write_text(refresh_page("old-notes/"))
    code, report = check_json(root=root)
    assert code == 1
    loops = [f for f in report["failures"] if f["url"] == "/old-notes"]
    assert loops and loops[0]["problem"].startswith("redirect loop:")


def test_chain_longer_than_allowed_fails(fixture_built: Path, tmp_path: Path) -> None:
    import shutil

    root = shutil.copytree(fixture_built, tmp_path / "repo", symlinks=True)
    site = root / "site" / "beta"
    # /old-notes -> hop1 -> hop2 -> hop3 -> the page: one too many
    (site / "old-notes.html").write_text(refresh_page("/hop1.html"))
    (site / "old-notes" / "index.html").write_text(refresh_page("/hop1.html"))
    (site / "hop1.html").write_text(refresh_page("/hop2.html"))
    (site / "hop2.html").write_text(refresh_page("/hop3.html"))
    (site / "hop3.html").write_text(refresh_page("/notes"))
    code, report = check_json(root=root)
    assert code == 1
    problems = {f["url"]: f["problem"] for f in report["failures"]}
    assert problems["/old-notes"].startswith("more than 3 redirects")
    assert problems["/hop1.html"].startswith("orphaned")


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory):
    """Both sites built for two 127.0.0.1 ports, with a page and an id gone, served."""
    root = copy_sources(tmp_path_factory.mktemp("live") / "repo")
    _add_page(root, "glossary", "# Glossary\n\n## Terms {#terms}\n")
    # Served before they are built, each on a port the OS picks: the build needs the URLs.
    servers = [GitHubPagesServer({"": root / "site" / site}).__enter__() for site in SITES]
    pairs = [f"{site}=http://127.0.0.1:{server.port}/" for site, server in zip(SITES, servers)]
    record_published(root, "wg1-connectivity", "/glossary", ["terms"])  # it went live
    _remove_page(root, "glossary")
    assert run_cli("build", *[f"--base-url={p}" for p in pairs], root=root).returncode == 0
    # what the host serves lost an id the sources still have (an older publish, say)
    _drop_id_from_output(root / "site" / "wg3-customer-data", "use-cases.html", "use-case-benchmarking", "benchmarking")
    yield root, pairs
    for server in servers:
        server.__exit__()


@pytest.mark.slow  # several builds
def test_live_check_agrees_with_the_static_check_case_by_case(local_build) -> None:
    root, pairs = local_build
    static_code, static = check_json(*[f"--base-url={p}" for p in pairs], root=root)
    live_code, live = check_json("--live", *pairs, root=root)
    assert static_code == live_code == 1
    assert live["results"] == static["results"]
    assert live["failures"] == static["failures"]
    assert {f["url"] for f in live["failures"]} == {"/glossary", "/use-cases#use-case-benchmarking"}
    assert len(live["results"]) > 200

"""Issue 12: only what went live is guarded, output is never judged stale, output is
readable by a web server, and links and ids are checked where they are written."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, SITES, commit_all, copy_sources, edit, git, run_cli

SPEC = Path("wg1-connectivity/specifications/cdsc-wg1-01.md")


# --- 1. the inventory is what went live ---------------------------------------

@pytest.mark.slow  # several builds
def test_renaming_an_id_back_and_forth_locally_creates_no_demand(repo: Path) -> None:
    inventory = (repo / "published-urls.yml").read_bytes()
    edit(repo / SPEC, "{#goals}", "{#aims}")
    run_cli("build", root=repo)  # fails: a published id vanished; either way nothing is recorded
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(repo / "wg1-connectivity" / "mkdocs.yml"), "-d", str(repo / "plain")], capture_output=True, text=True, env=ENV)
    assert plain.returncode != 0
    edit(repo / SPEC, "{#aims}", "{#goals}")
    edit(repo / SPEC, "### 1.2 Non-goals {#non-goals}", "### 1.2 Non-goals {#non-goals}\n\n### 1.3 Trial {#trial}")
    assert run_cli("build", root=repo).returncode == 0
    edit(repo / SPEC, "\n\n### 1.3 Trial {#trial}", "")
    build = run_cli("build", root=repo)
    assert build.returncode == 0, build.stderr
    assert (repo / "published-urls.yml").read_bytes() == inventory
    assert run_cli("check", root=repo).returncode == 0


def _unpublished_ids(stdout: str, site: str) -> int:
    found = re.search(re.escape(site) + r" \d+ URLs and (\d+) ids", stdout)
    return int(found.group(1)) if found else 0


def test_build_says_what_is_not_yet_published(repo: Path) -> None:
    # counted against what the sources add now that no publish has recorded yet
    before = run_cli("build", root=repo)
    assert before.returncode == 0
    edit(repo / SPEC, "### 1.2 Non-goals {#non-goals}", "### 1.2 Non-goals {#non-goals}\n\n### 1.3 Trial {#trial}")
    build = run_cli("build", root=repo)
    assert build.returncode == 0
    assert "not yet published: wg1-connectivity 0 URLs and " in build.stdout
    assert _unpublished_ids(build.stdout, "wg1-connectivity") == _unpublished_ids(before.stdout, "wg1-connectivity") + 1


@pytest.mark.slow  # several builds
def test_publish_records_what_went_live_in_its_own_commit_and_staging_does_not(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "source")
    edit(root / SPEC, "### 1.2 Non-goals {#non-goals}", "### 1.2 Non-goals {#non-goals}\n\n### 1.3 Trial {#trial}")
    commit_all(root, "Add a trial section")
    remotes = {site: tmp_path / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    dests = [f"--dest={site}={remote}" for site, remote in remotes.items()]

    staging = run_cli("publish", *dests, "--staging-base", "https://editor.github.io/preview", root=root)
    assert staging.returncode == 0, staging.stderr
    assert "trial" not in (root / "published-urls.yml").read_text()

    live = run_cli("publish", *dests, "--record", root=root)  # a release, pushed elsewhere than mkdocs.yml says
    assert live.returncode == 0, live.stderr
    assert "recorded what went live in published-urls.yml" in live.stdout
    assert git("log", "-1", "--format=%s", cwd=root).startswith("Record what the publish of ")
    assert git("show", "--name-only", "--format=", "HEAD", cwd=root) == "published-urls.yml"
    assert "+    - trial" in git("show", "HEAD", cwd=root)
    assert git("status", "--porcelain", cwd=root) == ""

    # now it is guarded: taking the section out again needs a redirect
    edit(root / SPEC, "\n\n### 1.3 Trial {#trial}", "")
    build = run_cli("build", root=root)
    assert build.returncode == 2 and "/specs/cdsc-wg1-01/#trial was published" in build.stderr


# --- 2. the check never judges stale output -----------------------------------

@pytest.mark.slow  # several builds
def test_check_refuses_output_built_from_other_sources(repo: Path) -> None:
    assert run_cli("build", root=repo).returncode == 0
    edit(repo / "wg3-customer-data" / "docs" / "use-cases.md", "{#not-in-scope}", "{#out-of-scope}")
    stale = run_cli("check", root=repo)
    assert stale.returncode == 2 and stale.stdout == ""
    assert stale.stderr.splitlines() == [
        f"error: {repo / 'site' / 'wg1-connectivity'}: was built before the last change to "
        "wg3-customer-data/docs/use-cases.md, so checking it would judge other sources; run scripts/build first"
    ]
    edit(repo / "wg3-customer-data" / "docs" / "use-cases.md", "{#out-of-scope}", "{#not-in-scope}")
    assert run_cli("check", root=repo).returncode == 0  # the same sources again: not stale


@pytest.mark.slow  # several builds
def test_check_refuses_output_built_for_other_urls(repo: Path) -> None:
    assert run_cli("build", "--staging-base", "https://editor.github.io/preview", root=repo).returncode == 0
    result = run_cli("check", root=repo)
    assert result.returncode == 2
    assert "was built for https://editor.github.io/preview/wg1-connectivity/, not https://connectivity.carbondataspec.org/" in result.stderr
    assert run_cli("check", "--base-url", "wg1-connectivity=https://editor.github.io/preview/wg1-connectivity/",
                   "--base-url", "wg3-customer-data=https://editor.github.io/preview/wg3-customer-data/", root=repo).returncode == 0


# --- 4. output a web server's unprivileged workers can read -------------------

@pytest.mark.slow  # several builds
def test_output_is_readable_by_everyone_the_umask_allows(repo: Path) -> None:
    old = os.umask(0o022)
    try:
        assert run_cli("build", root=repo).returncode == 0
        assert run_cli("build", "--site", "wg3-customer-data", root=repo).returncode == 0
    finally:
        os.umask(old)
    out = repo / "site"
    paths = [out, *out.rglob("*")]
    assert len(paths) > 50
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"


# --- 5. links between our sites -----------------------------------------------

def test_links_into_our_sites_are_checked_like_links_inside_one(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + (
        "\nSee [a](https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overvew#bogus),\n"
        "[b](https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overview#bogus),\n"
        "[c](https://customerdata.carbondataspec.org/specs/cdsc-wg1-03/#other-drafts),\n"
        "[d](https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/overview.html#nope) and\n"
        "[e](https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/#scopes).\n"
    ))
    lines = len(page.read_text().splitlines())
    result = run_cli("build", root=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: wg3-customer-data/docs/use-cases.md:{lines - 4}: the link 'https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overvew#bogus' "
        "goes to no page of wg1-connectivity; did you mean https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overview?",
        f"error: wg3-customer-data/docs/use-cases.md:{lines - 3}: the link 'https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overview#bogus' "
        "names no section of /specs/cdsc-wg1-02/overview on wg1-connectivity; use one of its heading ids",
        f"error: wg3-customer-data/docs/use-cases.md:{lines - 2}: the link 'https://customerdata.carbondataspec.org/specs/cdsc-wg1-03/#other-drafts' "
        "only lands through a redirect; link to https://customerdata.carbondataspec.org/specs/cdsc-wg3-01/#other-drafts instead",
        f"error: wg3-customer-data/docs/use-cases.md:{lines - 1}: the link 'https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/overview.html#nope' "
        "names no section of /specs/cdsc-wg1-01/overview on wg1-connectivity; use one of its heading ids",
    ]
    assert not (repo / "site").exists()  # nothing half-written


@pytest.mark.slow  # several builds
def test_a_near_miss_anchor_is_suggested(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nSee [the scopes](https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/#scope).\n")
    result = run_cli("build", root=repo)
    assert result.returncode == 2 and result.stderr.strip().endswith("on wg1-connectivity; did you mean #scopes?")


@pytest.mark.slow  # several builds
def test_cross_site_links_point_at_the_copy_in_staging(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nSee [the scopes](https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/#scopes).\n")
    assert run_cli("build", "--staging-base", "https://editor.github.io/preview", root=repo).returncode == 0
    built = (repo / "site" / "wg3-customer-data" / "use-cases.html").read_text()
    assert 'href="https://editor.github.io/preview/wg1-connectivity/specs/cdsc-wg1-01/#scopes"' in built
    assert "connectivity.carbondataspec.org/specs/cdsc-wg1-01/#scopes" not in built


def test_plain_mkdocs_build_of_one_site_checks_its_links_into_other_sites(repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nSee [a](https://connectivity.carbondataspec.org/specs/cdsc-wg1-02/overvew).\n")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(repo / "wg3-customer-data" / "mkdocs.yml"), "-d", str(repo / "plain")], capture_output=True, text=True, env=ENV)
    assert result.returncode == 1
    assert "wg3-customer-data/docs/use-cases.md:" in result.stderr and "goes to no page of wg1-connectivity; did you mean" in result.stderr


# --- 6. ids checked where they are written ------------------------------------

@pytest.mark.slow  # several builds
def test_duplicate_and_unclosed_ids_fail_the_build_with_their_lines(repo: Path) -> None:
    spec = repo / SPEC
    edit(spec, "### 3.3 Changes {#changes}", "### 3.3 Changes {#transport}")
    edit(spec, "## 5. Scopes {#scopes}", "## 5. Scopes {#scopes")
    text = spec.read_text().splitlines()
    changes = text.index("### 3.3 Changes {#transport}") + 1
    scopes = text.index("## 5. Scopes {#scopes") + 1
    result = run_cli("build", root=repo)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert f"error: {SPEC}:{scopes}: '{{#scopes' is not closed, so the heading shows it as text and has no such id; close it like {{#scopes}}" in lines
    assert f"error: {SPEC}:{changes}: the id 'transport' is used twice in this page; give each section its own id" in lines
    # and the published ids those edits took away, with the entries that would keep them
    assert any(line.startswith(f"error: {SPEC}:") and "/specs/cdsc-wg1-01/#changes was published" in line for line in lines)
    assert all("<" not in line for line in lines)  # no placeholders


def test_renamed_id_is_an_error_in_the_preview_too(repo: Path) -> None:
    """`mkdocs serve` builds like `mkdocs build` of one site: the same message."""
    edit(repo / SPEC, "{#client-processing}", "{#processing}")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(repo / "wg1-connectivity" / "mkdocs.yml"), "-d", str(repo / "plain")], capture_output=True, text=True, env=ENV)
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "client-processing" in line)
    heading = next(n for n, text in enumerate((repo / SPEC).read_text().splitlines(), 1) if "{#processing}" in text)
    assert line.endswith(
        f"{SPEC}:{heading}: /specs/cdsc-wg1-01/#client-processing was published and /specs/cdsc-wg1-01/ no longer has that id; "
        "fix: add under `wg1-connectivity:` in redirects.yml:  /specs/cdsc-wg1-01/#client-processing: "
        "/specs/cdsc-wg1-01/#processing  (or restore {#client-processing})"
    )

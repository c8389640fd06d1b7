"""Issue 24: moves, fixes, versions, preview and publishing keep the promise together,
each "Why" of the issue through the real CLI on a copy of the repository."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ENV, SITES, commit_all, copy_sources, edit, git, run_cli

pytestmark = pytest.mark.slow  # several builds per case

SPEC = Path("wg1-connectivity/specifications/cdsc-wg1-01.md")


# --- item 6: only a real release is recorded -----------------------------------

def _bare_remotes(folder: Path) -> dict[str, Path]:
    remotes = {site: folder / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote))
    return remotes


def _configure_destinations(root: Path, remotes: dict[str, Path]) -> None:
    """Point the base mkdocs.yml's production destinations at local bare repositories."""
    config = root / "mkdocs.yml"
    text = config.read_text()
    for site, remote in remotes.items():
        start = text.index(f"        {site}:\n          remote: ")
        end = text.index("\n", start + len(site) + 20)
        text = text[:start] + f"        {site}:\n          remote: {remote}" + text[end:]
    config.write_text(text)


def test_a_rehearsal_records_nothing_and_a_release_records_under_the_publishers_identity(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "source")
    production = _bare_remotes(tmp_path / "production")
    _configure_destinations(root, production)
    edit(root / SPEC, "### 1.2 Non-goals {#non-goals}", "### 1.2 Non-goals {#non-goals}\n\n### 1.3 Trial {#trial}")
    commit_all(root, "Add a trial section")
    inventory = (root / "published-urls.yml").read_bytes()
    head = git("rev-parse", "HEAD", cwd=root)

    # a rehearsal: --dest to somewhere else pushes there, records nothing and says so
    rehearsal = _bare_remotes(tmp_path / "rehearsal")
    dests = [f"--dest={site}={remote}" for site, remote in rehearsal.items()]
    tried = run_cli("publish", *dests, root=root)
    assert tried.returncode == 0, tried.stderr
    assert git("--git-dir", str(rehearsal["wg1-connectivity"]), "rev-parse", "gh-pages")
    assert (root / "published-urls.yml").read_bytes() == inventory
    assert git("rev-parse", "HEAD", cwd=root) == head
    assert f"recorded nothing in published-urls.yml: wg1-connectivity went to {rehearsal['wg1-connectivity']} gh-pages, not its production destination in mkdocs.yml; if this was the release, publish again with --record" in tried.stdout.splitlines()

    # the release: to the configured destinations, recorded under the publisher's identity
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Pat Publisher\n\temail = pat@example.org\n")
    env = {**ENV, "GIT_CONFIG_GLOBAL": str(gitconfig)}
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(name, None)
    release = run_cli("publish", root=root, env=env)
    assert release.returncode == 0, release.stderr
    assert "recorded what went live in published-urls.yml" in release.stdout
    assert git("show", "--name-only", "--format=", "HEAD", cwd=root) == "published-urls.yml"
    assert "+    - trial" in git("show", "HEAD", cwd=root)
    assert git("log", "-1", "--format=%an <%ae>|%cn <%ce>", cwd=root) == "Pat Publisher <pat@example.org>|Pat Publisher <pat@example.org>"


def test_a_release_pushed_elsewhere_is_recorded_only_when_asked(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "source")
    edit(root / SPEC, "### 1.2 Non-goals {#non-goals}", "### 1.2 Non-goals {#non-goals}\n\n### 1.3 Trial {#trial}")
    commit_all(root, "Add a trial section")
    dests = [f"--dest={site}={remote}" for site, remote in _bare_remotes(tmp_path).items()]

    staged = run_cli("publish", *dests, "--record", "--staging-base", "https://editor.github.io/preview", root=root)
    assert staged.returncode == 2 and staged.stderr.startswith("error: --record: a staging copy")
    recorded = run_cli("publish", *dests, "--record", root=root)
    assert recorded.returncode == 0, recorded.stderr
    assert "recorded what went live in published-urls.yml" in recorded.stdout
    assert "+    - trial" in git("show", "HEAD", cwd=root)


# --- item 5: the preview is exactly as strict as the build ---------------------

def _build_errors(root: Path) -> list[str]:
    build = run_cli("build", "--out", root / "strict-build", root=root)
    assert build.returncode == 2, build.stdout + build.stderr
    return [line.removeprefix("error: ") for line in build.stderr.splitlines()]


def test_the_preview_reports_what_the_build_reports_across_sites(repo: Path, tmp_path: Path) -> None:
    from test_preview import Preview

    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    preview = Preview(repo, tmpdir)
    try:
        preview.wait_for(lambda: all("<h1" in preview.get(site) for site in SITES), "both sites to be served")
        page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
        good = page.read_text()

        # a link from wg1 into a section wg3's page does not have: the page edit's rebuild says so
        page.write_text(good.replace("# ", "# Broken-marker ", 1) + "\nSee [a missing use case](https://customerdata.carbondataspec.org/use-cases#use-case-missing).\n")
        expected = _build_errors(repo)
        assert any("use-case-missing" in line for line in expected)
        preview.wait_for(lambda: all(f"wg1-connectivity: error: {line}" in preview.lines for line in expected), "the build's errors in the preview")
        assert "wg1-connectivity: rebuild failed; still serving the last good build" in preview.lines
        assert "Broken-marker" not in preview.get("wg1-connectivity", "use-cases.html")

        # a valid link to a new section, then wg3 renames it: wg3's rebuild introduced the break
        target = repo / "wg3-customer-data" / "docs" / "use-cases.md"
        target.write_text(target.read_text() + "\n## Trial use case {#trial}\n\nA trial.\n")
        page.write_text(good.replace("# ", "# Linked-marker ", 1) + "\nSee [the trial](https://customerdata.carbondataspec.org/use-cases#trial).\n")
        preview.wait_for(lambda: "Linked-marker" in preview.get("wg1-connectivity", "use-cases.html") and 'id="trial"' in preview.get("wg3-customer-data", "use-cases.html"), "the new section and the link")
        before = len(preview.lines)
        edit(target, "{#trial}", "{#trial-case}\n\nTrial-two-marker.")
        expected = _build_errors(repo)
        assert len(expected) == 1 and expected[0].startswith("wg1-connectivity/docs/use-cases.md:") and "#trial" in expected[0]
        preview.wait_for(lambda: f"wg3-customer-data: error: {expected[0]}" in preview.lines[before:], "wg3's rebuild to report wg1's link")
        assert "Trial-two-marker" not in preview.get("wg3-customer-data", "use-cases.html")  # the last good build

        # mending the link on wg1 alone lets wg3 build again, without a restart
        edit(page, "use-cases#trial)", "use-cases#trial-case)")
        preview.wait_for(lambda: "Trial-two-marker" in preview.get("wg3-customer-data", "use-cases.html"), "wg3 to recover from wg1's edit")
    finally:
        if preview.process.poll() is None:
            preview.stop()


# --- item 1: one answer to "where does this published id live now" ------------

def _published_version(tmp_path: Path) -> Path:
    """A copy with cdsc-wg1-01/2024-06-27 tagged and its URL recorded as published."""
    from conftest import record_published

    root = copy_sources(tmp_path / "repo")
    commit_all(root)
    git("tag", "-a", "-m", "CDSC-WG1-01 as of 2024-06-27", "cdsc-wg1-01/2024-06-27", cwd=root)
    record_published(root, "wg1-connectivity", "/specs/cdsc-wg1-01/2024-06-27/", ["client-processing", "extensions", "goals"])
    commit_all(root, "Record the version")
    return root


def _drop_section(path: Path, heading: str, next_heading: str) -> None:
    text = path.read_text()
    path.write_text(text[:text.index(heading)] + text[text.index(next_heading):])


def test_a_renamed_section_still_on_the_living_page_is_not_sent_to_the_frozen_version(tmp_path: Path) -> None:
    root = _published_version(tmp_path)
    edit(root / SPEC, "## 7. Client processing {#client-processing}", "## 7. Processing by clients {#processing-by-clients}")
    entry = "/specs/cdsc-wg1-01/#client-processing: /specs/cdsc-wg1-01/#processing-by-clients"

    build = run_cli("build", root=root)
    assert build.returncode == 2
    line = next(n for n, text in enumerate((root / SPEC).read_text().splitlines(), 1) if "{#processing-by-clients}" in text)
    assert build.stderr.splitlines() == [
        f"error: {SPEC}:{line}: /specs/cdsc-wg1-01/#client-processing was published and /specs/cdsc-wg1-01/ no longer has that id; "
        f"fix: add under `wg1-connectivity:` in redirects.yml:  {entry}  (or restore {{#client-processing}})"
    ]
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert f"added under `wg1-connectivity:` in redirects.yml:  {entry}  (the heading '7. Processing by clients' (#processing-by-clients) on /specs/cdsc-wg1-01/ has the number and words of the section #client-processing was)" in fix.stdout
    assert run_cli("build", root=root).returncode == 0
    assert run_cli("check", root=root).returncode == 0


def test_only_a_section_the_living_text_dropped_goes_to_the_frozen_version_and_says_so(tmp_path: Path) -> None:
    root = _published_version(tmp_path)
    _drop_section(root / SPEC, "### 4.5 Extensions", "## 5. Scopes")
    build = run_cli("build", root=root)
    assert build.returncode == 2
    assert build.stderr.splitlines() == [
        f"error: {SPEC}: /specs/cdsc-wg1-01/#extensions was published and /specs/cdsc-wg1-01/ no longer has that id, and the living text no longer has "
        "that section: only the frozen version /specs/cdsc-wg1-01/2024-06-27/ keeps its words; fix: add under `wg1-connectivity:` in redirects.yml:  "
        "/specs/cdsc-wg1-01/#extensions: /specs/cdsc-wg1-01/2024-06-27/#extensions  (or restore the section with {#extensions})"
    ]
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert ("/specs/cdsc-wg1-01/#extensions: /specs/cdsc-wg1-01/2024-06-27/#extensions  (the living text no longer has the section #extensions; "
            "only the frozen version /specs/cdsc-wg1-01/2024-06-27/ keeps its words ('4.5 Extensions'))") in fix.stdout
    assert run_cli("build", root=root).returncode == 0
    assert run_cli("check", root=root).returncode == 0


def _builds_and_checks(root: Path) -> str:
    build = run_cli("build", root=root)
    assert build.returncode == 0, build.stderr
    check = run_cli("check", root=root)
    assert check.returncode == 0, check.stdout + check.stderr
    return check.stdout


# --- item 2: version pages are pages the map knows ----------------------------

def test_an_entry_to_a_frozen_version_does_not_block_later_moves(tmp_path: Path) -> None:
    root = _published_version(tmp_path)
    _drop_section(root / SPEC, "### 4.5 Extensions", "## 5. Scopes")
    (root / "redirects.yml").write_text((root / "redirects.yml").read_text() + "\nwg1-connectivity:\n  /specs/cdsc-wg1-01/#extensions: /specs/cdsc-wg1-01/2024-06-27/#extensions\n")
    _builds_and_checks(root)
    moved = run_cli("mv", "wg3-customer-data/docs/use-cases.md", "wg3-customer-data/docs/about/use-cases.md", root=root)
    assert moved.returncode == 0, moved.stderr
    _builds_and_checks(root)
    # and a target that is neither a page nor a version is still refused, with no other spec offered
    (root / "redirects.yml").write_text((root / "redirects.yml").read_text().replace("2024-06-27/#extensions", "2024-06-28/#extensions"))
    build = run_cli("build", root=root)
    assert build.returncode == 2
    assert "/specs/cdsc-wg1-01/2024-06-28/ is not a page on wg1-connectivity; did you mean /specs/cdsc-wg1-01/2024-06-27/?" in build.stderr


# --- item 3: mv moves a spec whole ---------------------------------------------

WG1_01_URLS = ["/specs/cdsc-wg1-01/2024-06-27/", "/specs/cdsc-wg1-01/2024-06-27/changes"]


def _published_version_with_changes(tmp_path: Path) -> Path:
    from conftest import record_published

    root = _published_version(tmp_path)
    record_published(root, "wg1-connectivity", "/specs/cdsc-wg1-01/2024-06-27/changes", [])
    commit_all(root, "Record the changes page")
    return root


def test_a_spec_with_versions_moved_to_another_site_by_mv_keeps_every_url(tmp_path: Path) -> None:
    root = _published_version_with_changes(tmp_path)
    source, target = "wg1-connectivity/specifications/cdsc-wg1-01.md", "wg3-customer-data/specifications/cdsc-wg1-01.md"
    dry = run_cli("mv", source, target, "--dry-run", root=root)
    assert dry.returncode == 0, dry.stderr
    assert "+  /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*" in dry.stdout.splitlines()
    assert "rename wg1-connectivity/docs/specs/cdsc-wg1-01/overview.md -> wg3-customer-data/docs/specs/cdsc-wg1-01/overview.md" in dry.stdout.splitlines()
    assert "+++ b/wg3-customer-data/docs/specs/cdsc-wg1-01/overview.md" in dry.stdout.splitlines()
    assert git("status", "--porcelain", cwd=root) == ""

    moved = run_cli("mv", source, target, root=root)
    assert moved.returncode == 0, moved.stderr
    assert (root / "wg3-customer-data/docs/specs/cdsc-wg1-01/overview.md").is_file()
    assert not (root / "wg1-connectivity/docs/specs/cdsc-wg1-01").exists()
    assert (root / "redirects.yml").read_text().endswith("wg1-connectivity:\n  /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*\n")
    _builds_and_checks(root)
    assert (root / "site/wg3-customer-data/specs/cdsc-wg1-01/2024-06-27/index.html").is_file()


def test_the_check_sends_a_moved_specs_versions_after_the_spec_never_to_another(tmp_path: Path) -> None:
    """The state the old mv left: only the spec's page redirected, its versions 404."""
    root = _published_version_with_changes(tmp_path)
    assert run_cli("mv", "wg1-connectivity/specifications/cdsc-wg1-01.md", "wg3-customer-data/specifications/cdsc-wg1-01.md", root=root).returncode == 0
    edit(root / "redirects.yml", "  /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*\n",
         "  /specs/cdsc-wg1-01/: wg3-customer-data:/specs/cdsc-wg1-01/\n  /specs/cdsc-wg1-01/overview: wg3-customer-data:/specs/cdsc-wg1-01/overview\n")
    assert run_cli("build", root=root).returncode == 0
    check = run_cli("check", root=root)
    assert check.returncode == 1
    fails = [line for line in check.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 2 and "cdsc-wg1-02" not in check.stdout, check.stdout
    for url, line in zip(WG1_01_URLS, fails):
        assert line.startswith(f"FAIL wg1-connectivity {url}: status 404")
        assert line.endswith("fix: add under `wg1-connectivity:` in redirects.yml:  /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*")

    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert fix.stdout.splitlines()[0] == (
        "added under `wg1-connectivity:` in redirects.yml:  /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*  "
        "(git shows wg1-connectivity/specifications/cdsc-wg1-01.md renamed to wg3-customer-data/specifications/cdsc-wg1-01.md in the work tree; "
        "every URL of the spec, its versions included, moves with it)")
    _builds_and_checks(root)


def test_a_spec_renamed_by_mv_takes_its_new_id_and_keeps_its_versions(tmp_path: Path) -> None:
    root = _published_version_with_changes(tmp_path)
    moved = run_cli("mv", "wg1-connectivity/specifications/cdsc-wg1-01.md", "wg1-connectivity/specifications/cdsc-wg1-05.md", root=root)
    assert moved.returncode == 0, moved.stderr
    assert "cdsc-wg1-05.md: id: CDSC-WG1-05, CDSC-WG1-01 added to previous_ids (its versions keep their tags)" in moved.stdout
    head = (root / "wg1-connectivity/specifications/cdsc-wg1-05.md").read_text().split("---\n")[1]
    assert "id: CDSC-WG1-05\nprevious_ids: [CDSC-WG1-01]\n" in head
    assert (root / "wg1-connectivity/docs/specs/cdsc-wg1-05/overview.md").is_file()
    assert (root / "redirects.yml").read_text().endswith("wg1-connectivity:\n  /specs/cdsc-wg1-01/*: /specs/cdsc-wg1-05/*\n")
    _builds_and_checks(root)
    assert (root / "site/wg1-connectivity/specs/cdsc-wg1-05/2024-06-27/index.html").is_file()


# --- item 4: check --fix works from the state a hand move leaves ---------------

def test_check_fix_mends_a_page_moved_by_hand_as_mv_would(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "repo")
    commit_all(root)
    (root / "wg3-customer-data/docs/about").mkdir()
    git("mv", "wg3-customer-data/docs/use-cases.md", "wg3-customer-data/docs/about/use-cases.md", cwd=root)
    build = run_cli("build", root=root)
    assert build.returncode == 2
    assert any(line.startswith("error: wg3-customer-data/docs/index.md:") and line.endswith(
        "the link 'use-cases.md' goes to no page; git shows the page moved: link to about/use-cases.md, or run scripts/check --fix to mend every link to it")
        for line in build.stderr.splitlines()), build.stderr
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert fix.stdout.splitlines() == [
        "mended after git shows wg3-customer-data/docs/use-cases.md renamed to wg3-customer-data/docs/about/use-cases.md: "
        "edited redirects.yml, wg3-customer-data/docs/index.md, wg3-customer-data/mkdocs.yml",
        "  redirects.yml: added under wg3-customer-data: /use-cases: /about/use-cases",
        "mended what the moves made by hand left; run scripts/build and scripts/check",
    ]
    assert "  - Use Cases: about/use-cases.md\n" in (root / "wg3-customer-data/mkdocs.yml").read_text()
    assert "[Use Cases](about/use-cases.md)" in (root / "wg3-customer-data/docs/index.md").read_text()
    _builds_and_checks(root)
    again = run_cli("check", "--fix", root=root)
    assert again.stdout.splitlines() == ["nothing to fix: every published URL and id has a page or an entry"]


def test_check_fix_mends_a_spec_moved_by_hand_to_another_site_with_its_versions(tmp_path: Path) -> None:
    root = _published_version_with_changes(tmp_path)
    (root / "wg3-customer-data/docs/specs/cdsc-wg1-01").mkdir()
    git("mv", "wg1-connectivity/specifications/cdsc-wg1-01.md", "wg3-customer-data/specifications/cdsc-wg1-01.md", cwd=root)
    git("mv", "wg1-connectivity/docs/specs/cdsc-wg1-01/overview.md", "wg3-customer-data/docs/specs/cdsc-wg1-01/overview.md", cwd=root)
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "  redirects.yml: added under wg1-connectivity: /specs/cdsc-wg1-01/*: wg3-customer-data:/specs/cdsc-wg1-01/*" in fix.stdout.splitlines()
    assert "cdsc-wg1-02" not in (root / "redirects.yml").read_text().split("wg1-connectivity:")[-1]
    _builds_and_checks(root)


def test_a_hand_git_mv_is_named_by_git_before_any_other_spec_and_check_fix_mends_it(tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "repo")
    commit_all(root)
    assert run_cli("new", "spec", "wg1-connectivity", "CDSC-WG1-04", "Profile Management", root=root).returncode == 0
    commit_all(root, "A new spec")
    (root / "wg1-connectivity/docs/specs/server-metadata").mkdir()
    git("mv", "wg1-connectivity/docs/specs/cdsc-wg1-01/overview.md", "wg1-connectivity/docs/specs/server-metadata/overview.md", cwd=root)
    build = run_cli("build", root=root)
    assert build.returncode == 2
    assert "cdsc-wg1-04" not in build.stderr
    assert "is not a page on wg1-connectivity; git shows it moved to /specs/server-metadata/overview; point the entry there" in build.stderr
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "  redirects.yml: added under wg1-connectivity: /specs/cdsc-wg1-01/overview: /specs/server-metadata/overview" in fix.stdout.splitlines()
    assert "specs/server-metadata/overview.md" in (root / "wg1-connectivity/mkdocs.yml").read_text()
    _builds_and_checks(root)

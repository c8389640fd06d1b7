"""Issue 13: `specsites mv` and `specsites check --fix`, through the real CLI on a copy
of the repository, each result proven by a real build and check."""
from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, commit_all, edit, git, run_cli, tree_snapshot

WG1, WG3 = "wg1-connectivity", "wg3-customer-data"
USE_CASES = f"{WG3}/docs/use-cases.md"


def assert_builds_and_checks(root: Path) -> None:
    build = run_cli("build", root=root)
    assert build.returncode == 0, build.stderr
    check = run_cli("check", root=root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "all URLs land" in check.stdout


def mv(root: Path, old: str, new: str, *more: str) -> subprocess.CompletedProcess:
    result = run_cli("mv", old, new, *more, root=root)
    assert result.returncode == 0, result.stderr
    return result


# --- mv ---------------------------------------------------------------------------

@pytest.mark.slow  # several builds
def test_move_within_a_site_twice_and_back_keeps_every_link_and_url(repo: Path) -> None:
    redirects = (repo / "redirects.yml").read_text()
    mv(repo, USE_CASES, f"{WG3}/docs/about/use-cases.md")
    assert not (repo / USE_CASES).exists() and (repo / WG3 / "docs/about/use-cases.md").is_file()
    # the entry is added under the site's others; every comment and line stays
    assert (repo / "redirects.yml").read_text() == redirects + "  /use-cases: /about/use-cases\n"
    assert "  - Use Cases: about/use-cases.md\n" in (repo / WG3 / "mkdocs.yml").read_text()
    assert "[Use Cases](about/use-cases.md)" in (repo / WG3 / "docs/index.md").read_text()

    # moved again: the first entry points straight at the new place (no chain)
    mv(repo, f"{WG3}/docs/about/use-cases.md", f"{WG3}/docs/customers/use-cases.md")
    assert (repo / "redirects.yml").read_text() == redirects + "  /use-cases: /customers/use-cases\n  /about/use-cases: /customers/use-cases\n"
    assert not (repo / WG3 / "docs/about").exists()  # the folder it left, empty, is gone
    assert_builds_and_checks(repo)

    # and back where it was: the entry from its old URL would hide the page, so it goes
    mv(repo, f"{WG3}/docs/customers/use-cases.md", USE_CASES)
    text = (repo / "redirects.yml").read_text()
    assert "  /use-cases:" not in text
    assert "  /about/use-cases: /use-cases\n  /customers/use-cases: /use-cases\n" in text
    assert_builds_and_checks(repo)


@pytest.mark.slow  # several builds
def test_move_across_sites_rewrites_links_as_production_urls(repo: Path) -> None:
    result = mv(repo, USE_CASES, f"{WG1}/docs/customer-use-cases.md")
    text = (repo / "redirects.yml").read_text()
    assert "  /use-cases: wg1-connectivity:/customer-use-cases\n" in text
    assert "[Use Cases](https://connectivity.carbondataspec.org/customer-use-cases)" in (repo / WG3 / "docs/index.md").read_text()
    assert "use-cases" not in (repo / WG3 / "mkdocs.yml").read_text()
    assert (repo / WG1 / "mkdocs.yml").read_text().endswith("  - Use Cases: customer-use-cases.md\n")
    assert "wg1-connectivity/mkdocs.yml: added customer-use-cases.md at the end of the nav" in result.stdout
    assert_builds_and_checks(repo)


@pytest.mark.slow  # several builds
def test_move_a_spec_to_another_site_moves_its_source_and_overview_folder(repo: Path) -> None:
    """CDSC-WG1-02 goes to the Customer Data site: one command moves its source and its
    overview's folder, and one folder move keeps every URL under /specs/cdsc-wg1-02/."""
    mv(repo, f"{WG1}/specifications/cdsc-wg1-02.md", f"{WG3}/specifications/cdsc-wg1-02.md")
    assert (repo / WG3 / "docs/specs/cdsc-wg1-02/overview.md").is_file()
    assert not (repo / WG1 / "docs/specs/cdsc-wg1-02").exists()
    text = (repo / "redirects.yml").read_text()
    # the Customer Data site's old redirects to it would now hide its pages: removed
    assert "  /specs/cdsc-wg1-02/: wg1-connectivity:" not in text
    assert "  /specs/cdsc-wg1-02/overview: wg1-connectivity:" not in text
    assert text.endswith("wg1-connectivity:\n  /specs/cdsc-wg1-02/*: wg3-customer-data:/specs/cdsc-wg1-02/*\n")
    # the WG3 spec's link to it, a production URL, is now a link inside its site
    assert "(../cdsc-wg1-02/index.md)" in (repo / WG3 / "specifications/cdsc-wg3-01.md").read_text()
    assert_builds_and_checks(repo)


@pytest.mark.slow  # several builds
def test_move_a_folder_within_a_site(repo: Path) -> None:
    # a picture in the folder, shown by a page that stays
    (repo / WG1 / "docs/specs/cdsc-wg1-01/diagram.svg").write_bytes((repo / "docs/assets/logo.svg").read_bytes())
    edit(repo / WG1 / "docs/use-cases.md", "# Use Cases", "# Use Cases\n\n![Diagram](specs/cdsc-wg1-01/diagram.svg)")
    mv(repo, f"{WG1}/docs/specs/cdsc-wg1-01", f"{WG1}/docs/specs/server-metadata")
    assert "![Diagram](specs/server-metadata/diagram.svg)" in (repo / WG1 / "docs/use-cases.md").read_text()
    text = (repo / "redirects.yml").read_text()
    assert text.endswith("\nwg1-connectivity:\n  /specs/cdsc-wg1-01/*: /specs/server-metadata/*\n")
    # an entry of the other site that pointed at the old URL now points at the new one
    assert "  /specs/cdsc-wg1-01/overview: wg1-connectivity:/specs/server-metadata/overview\n" in text
    # links from the moved page to the others follow it
    assert "[full specification](../cdsc-wg1-01/index.md)" in (repo / WG1 / "docs/specs/server-metadata/overview.md").read_text()
    assert_builds_and_checks(repo)


def test_dry_run_prints_the_diff_and_changes_nothing(repo: Path) -> None:
    before = tree_snapshot(repo)
    result = mv(repo, USE_CASES, f"{WG3}/docs/about/use-cases.md", "--dry-run")
    assert tree_snapshot(repo) == before
    lines = result.stdout.splitlines()
    assert lines[0] == f"rename {USE_CASES} -> {WG3}/docs/about/use-cases.md"
    assert "+  /use-cases: /about/use-cases" in lines
    assert "+  - Use Cases: about/use-cases.md" in lines
    assert "+++ b/wg3-customer-data/docs/index.md" in lines


def test_move_uses_git_mv_in_a_git_work_tree(repo: Path) -> None:
    commit_all(repo)
    result = mv(repo, USE_CASES, f"{WG3}/docs/about/use-cases.md")
    assert result.stdout.splitlines()[-1].startswith("moved with git mv;")
    status = git("status", "--porcelain", cwd=repo)
    assert f"R  {USE_CASES} -> {WG3}/docs/about/use-cases.md" in status


BAD_MOVES = [
    (["wg3-customer-data/docs/no-such-page.md", "wg3-customer-data/docs/x.md"], r"wg3-customer-data/docs/no-such-page\.md: no such file or folder; "),
    ([USE_CASES, f"{WG3}/docs/index.md"], r"wg3-customer-data/docs/index\.md: already exists; "),
    ([USE_CASES, "../elsewhere/use-cases.md"], r"\.\./elsewhere/use-cases\.md: is outside the repository .*; name a page"),
    (["docs/lfess.md", "docs/join.md"], r"docs/lfess\.md: docs/lfess\.md is not a page of a site; it is shared by every site"),
    ([f"{WG3}/mkdocs.yml", f"{WG3}/docs/mkdocs.yml"], r"wg3-customer-data/mkdocs\.yml: wg3-customer-data/mkdocs\.yml is not a page of a site; "),
    ([USE_CASES, f"{WG3}/notes/use-cases.md"], r"wg3-customer-data/notes/use-cases\.md: is not where a site's page can be; "),
    ([USE_CASES, f"{WG1}/docs/use-cases/index.md"], r"wg1-connectivity/docs/use-cases/index\.md: /use-cases/ is already a page on wg1-connectivity; choose another name"),
    ([USE_CASES, f"{WG3}/docs/use cases.md"], r"redirects\.yml:\d+: new path '/use cases' may hold only .*nothing was changed"),
]


@pytest.mark.parametrize(("args", "message"), BAD_MOVES, ids=["missing", "target-exists", "outside", "shared", "not-a-page", "not-a-page-place", "url-taken", "bad-url"])
def test_bad_moves_say_one_line_and_touch_nothing(repo: Path, args: list[str], message: str) -> None:
    before = tree_snapshot(repo)
    result = run_cli("mv", *args, root=repo)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert re.match(r"error: " + message, lines[0]), lines[0]
    assert tree_snapshot(repo) == before


# --- check --fix --------------------------------------------------------------------

SPEC = f"{WG1}/specifications/cdsc-wg1-01.md"


@pytest.mark.slow  # several builds
def test_fix_after_a_heading_rename_points_the_old_id_at_the_heading(repo: Path) -> None:
    edit(repo / SPEC, "### 1.1 Goals {#goals}", "### 1.1 Goals {#aims}")  # the build now fails (test_permanence)
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "added under `wg1-connectivity:` in redirects.yml:  /specs/cdsc-wg1-01/#goals: /specs/cdsc-wg1-01/#aims  (the heading '1.1 Goals' (#aims) on /specs/cdsc-wg1-01/ has the words that gave #goals)" in fix.stdout
    assert (repo / "redirects.yml").read_text().endswith("\nwg1-connectivity:\n  /specs/cdsc-wg1-01/#goals: /specs/cdsc-wg1-01/#aims\n")
    assert_builds_and_checks(repo)
    again = run_cli("check", "--fix", root=repo)
    assert "nothing to fix" in again.stdout


@pytest.mark.slow  # several builds
def test_fix_after_a_section_moves_to_another_site(repo: Path) -> None:
    """The same id now on a page of the other site is where old links should go."""
    source = repo / WG3 / "docs/use-cases.md"
    text = source.read_text()
    section = text[text.index("## Benchmarking {#use-case-benchmarking}"):text.index("## Not in scope")]
    source.write_text(text.replace(section, ""))
    (repo / WG1 / "docs/use-cases.md").write_text((repo / WG1 / "docs/use-cases.md").read_text() + "\n" + section)
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "/use-cases#use-case-benchmarking: wg1-connectivity:/use-cases#use-case-benchmarking  (the id #use-case-benchmarking now stands on wg1-connectivity:/use-cases)" in fix.stdout
    assert_builds_and_checks(repo)


@pytest.mark.slow  # several builds
def test_fix_after_git_mv_writes_the_rename_and_repairs_a_second_one(repo: Path) -> None:
    commit_all(repo)
    # a maintainer moves the page by hand, fixing nav and links, but no redirect
    (repo / WG3 / "docs/about").mkdir()
    git("mv", USE_CASES, f"{WG3}/docs/about/use-cases.md", cwd=repo)
    for file in ("mkdocs.yml", "docs/index.md"):
        edit(repo / WG3 / file, "use-cases.md", "about/use-cases.md")
    assert "404" in run_cli("build", root=repo).stdout + run_cli("check", root=repo).stdout
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert f"added under `wg3-customer-data:` in redirects.yml:  /use-cases: /about/use-cases  (git shows {USE_CASES} renamed to {WG3}/docs/about/use-cases.md in the work tree)" in fix.stdout
    assert_builds_and_checks(repo)

    # committed, then moved again by hand: the entry's target is no page any more
    git("commit", "-qam", "Move the use cases", cwd=repo)
    git("mv", f"{WG3}/docs/about/use-cases.md", f"{WG3}/docs/customer-use-cases.md", cwd=repo)
    git("commit", "-qm", "Rename the use cases", cwd=repo)
    for file in ("mkdocs.yml", "docs/index.md"):
        edit(repo / WG3 / file, "about/use-cases.md", "customer-use-cases.md")
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "changed under `wg3-customer-data:` in redirects.yml:  /use-cases: /customer-use-cases  (its target /about/use-cases is no page; git shows" in fix.stdout
    assert "  /use-cases: /customer-use-cases\n" in (repo / "redirects.yml").read_text()
    assert_builds_and_checks(repo)


def test_fix_lists_what_it_cannot_place_and_writes_nothing_for_it(repo: Path) -> None:
    commit_all(repo)
    git("rm", "-q", USE_CASES, cwd=repo)
    edit(repo / WG3 / "mkdocs.yml", "  - Use Cases: use-cases.md\n", "")
    edit(repo / WG3 / "docs/index.md", "[Use Cases](use-cases.md)", "Use Cases")
    before = (repo / "redirects.yml").read_bytes()
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 1
    assert "cannot place wg3-customer-data /use-cases: no page, and git shows its source neither renamed nor moved" in fix.stdout
    assert (repo / "redirects.yml").read_bytes() == before


def test_fix_outside_git_says_why_it_cannot_place_a_page(repo: Path) -> None:
    (repo / USE_CASES).rename(repo / WG3 / "docs/customer-use-cases.md")
    edit(repo / WG3 / "mkdocs.yml", "use-cases.md", "customer-use-cases.md")
    edit(repo / WG3 / "docs/index.md", "(use-cases.md)", "(customer-use-cases.md)")
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 1
    assert "cannot place wg3-customer-data /use-cases: no page, and this is not a git work tree" in fix.stdout


def test_fix_refuses_a_broken_redirects_file_and_touches_nothing(repo: Path) -> None:
    with (repo / "redirects.yml").open("a") as f:
        f.write("  /gone: /nowhere\n")
    before = tree_snapshot(repo)
    fix = run_cli("check", "--fix", root=repo)
    assert fix.returncode == 2
    assert fix.stderr.splitlines() == ["error: redirects.yml:26: /nowhere is not a page on wg3-customer-data; point it at an existing page"]
    assert tree_snapshot(repo) == before


# --- the README's recipe, run as written -------------------------------------------

def readme_commands(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.S)
    assert block, f"no sh block in README section {section}"
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.slow  # several builds
def test_readme_move_a_page_recipe_works_as_written(repo: Path) -> None:
    commands = readme_commands("Move a page")
    assert [shlex.split(c)[0] for c in commands] == ["scripts/mv", "scripts/build", "scripts/check"]
    for command in commands:
        script, *args = shlex.split(command)
        # scripts/<name> runs `specsites <name>` (after setting up .venv)
        assert (ROOT / script).read_text().rstrip().endswith(f'exec "$VENV/bin/specsites" --root "$SPECSITES_ROOT" {Path(script).name} "$@"')
        result = run_cli(Path(script).name, *args, root=repo)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    assert (repo / WG3 / "docs/about/use-cases.md").is_file()


@pytest.mark.slow  # several builds
def test_a_moved_page_s_entries_follow_a_renamed_id_to_its_new_name(tmp_path: Path) -> None:
    """Found by the model (tests/test_model.py): `/notes#glossary: /notes#terms`, then
    #terms renamed (check --fix adds `/notes#terms: /notes#terms-1`), then the page
    moved to another site: the glossary entry must follow #terms to #terms-1 there,
    not keep an id the moved page no longer has."""
    from conftest import fixture_repo

    root = fixture_repo(tmp_path / "repo")
    commit_all(root, "The fixture")
    edit(root / "beta/docs/notes.md", "{#terms}", "{#terms-1}")
    edit(root / "beta/docs/index.md", "notes.md#terms", "notes.md#terms-1")
    fix = run_cli("check", "--fix", root=root)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert "  /notes#terms: /notes#terms-1\n" in (root / "redirects.yml").read_text()
    assert_builds_and_checks(root)
    mv(root, "beta/docs/notes.md", "gamma/docs/notes-1.md")
    text = (root / "redirects.yml").read_text()
    assert "  /notes#glossary: gamma:/notes-1#terms-1\n" in text and "  /notes#terms: gamma:/notes-1#terms-1\n" in text, text
    assert_builds_and_checks(root)

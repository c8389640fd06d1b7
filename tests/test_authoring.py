"""Issue 13: spec metadata in one place, and the scaffolding commands, run as the
README's recipes say."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conftest import ENV, ROOT, SITES, commit_all, git, header_field, run_cli, tree_snapshot, readme_recipe
from test_preview import Preview
from specsites.commands.scaffold import COLORS


def run_recipe(title: str, root: Path) -> None:
    for command in readme_recipe(title):
        assert command[0].startswith("scripts/") and (ROOT / command[0]).exists(), command
        verb = command[0].removeprefix("scripts/")
        result = run_cli(*([verb] if verb != "new" else ["new"]), *command[1:], root=root)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"


def page(root: Path, site: str, path: str) -> str:
    return (root / "site" / site / path).read_text()


def test_a_new_spec_appears_everywhere_from_its_metadata_alone(repo: Path) -> None:
    before = tree_snapshot(repo)
    run_recipe("Add a spec", repo)
    created = set(tree_snapshot(repo)) - set(before)
    assert {p for p in created if not p.startswith("site/")} == {
        "wg1-connectivity/specifications/cdsc-wg1-04.md", "wg1-connectivity/docs/specs/cdsc-wg1-04/overview.md",
    }
    spec = page(repo, "wg1-connectivity", "specs/cdsc-wg1-04/index.html")
    assert "<title>CDSC-WG1-04 Profile Management - CDSC Connectivity Working Group</title>" in spec
    assert '<h1 id="cdsc-wg1-04">CDSC-WG1-04: Profile Management' in spec
    assert header_field(spec, "Status") == '<a href="#sotd">Draft</a>'
    assert header_field(spec, "Editor's draft").startswith('<a href="https://connectivity.carbondataspec.org/specs/cdsc-wg1-04/">')
    assert header_field(spec, "Working group") == "CDSC-WG1 Connectivity"
    # its editors in the structured form the header reads (a name, an affiliation)
    source = (repo / "wg1-connectivity/specifications/cdsc-wg1-04.md").read_text()
    assert '\neditors:\n  # the people who edit it: a name, and optionally an affiliation, each\n  - name: "CDSC-WG1 specification editors"\n' in source
    # the nav of every page, and both tables
    for path in ("index.html", "specs/index.html", "use-cases.html"):
        assert 'href="' in page(repo, "wg1-connectivity", path) and "CDSC-WG1-04 Profile Management" in page(repo, "wg1-connectivity", path)
    for path, link in (("index.html", "specs/cdsc-wg1-04/index.html"), ("specs/index.html", "cdsc-wg1-04/index.html")):
        row = re.search(r"<tr>\s*<td><a href=\"" + re.escape(link) + r"\">CDSC-WG1-04: Profile Management</a></td>.*?</tr>", page(repo, "wg1-connectivity", path), re.DOTALL)
        assert row and "Draft" in row.group(0), path
    # the other specs list it among their other drafts, across sites too
    other = page(repo, "wg3-customer-data", "specs/cdsc-wg3-01/index.html")
    assert 'href="https://connectivity.carbondataspec.org/specs/cdsc-wg1-04/">CDSC-WG1-04: Profile Management</a>' in other


def test_metadata_edits_change_every_copy(repo: Path) -> None:
    source = repo / "wg1-connectivity" / "specifications" / "cdsc-wg1-02.md"
    source.write_text(source.read_text().replace("status: Draft", "status: Candidate").replace("title: Client Registration", "title: Client Enrolment"))
    assert run_cli("build", root=repo).returncode == 0
    home = page(repo, "wg1-connectivity", "index.html")
    assert "CDSC-WG1-02: Client Enrolment" in home and "Candidate" in home
    assert "CDSC-WG1-02: Client Enrolment" in page(repo, "wg3-customer-data", "specs/cdsc-wg3-01/index.html")
    spec = page(repo, "wg1-connectivity", "specs/cdsc-wg1-02/index.html")
    assert header_field(spec, "Status") == '<a href="#sotd">Candidate</a>' and "is a candidate specification" in spec and 'class="admonition warning"' not in spec  # no draft warning


@pytest.mark.slow  # several builds
def test_last_updated_comes_from_git_and_is_stable_without_it(repo: Path) -> None:
    assert run_cli("build", root=repo).returncode == 0
    assert "Editor's draft, last updated 2024-06-27:" in header_field(page(repo, "wg1-connectivity", "specs/cdsc-wg1-01/index.html"), "This version")
    commit_all(repo, "x", env={**ENV, "GIT_AUTHOR_DATE": "2025-03-04T12:00:00Z", "GIT_COMMITTER_DATE": "2025-03-04T12:00:00Z"})
    assert run_cli("build", root=repo).returncode == 0
    assert "Editor's draft, last updated 2025-03-04:" in header_field(page(repo, "wg1-connectivity", "specs/cdsc-wg1-01/index.html"), "This version")


def test_a_staging_copy_names_itself_as_the_latest_version(repo: Path) -> None:
    assert run_cli("build", "--staging-base", "https://editor.github.io/preview", root=repo).returncode == 0
    spec = page(repo, "wg1-connectivity", "specs/cdsc-wg1-01/index.html")
    copy = "https://editor.github.io/preview/wg1-connectivity/specs/cdsc-wg1-01/"
    assert header_field(spec, "Editor's draft") == f'<a href="{copy}">{copy}</a>'
    # production stays only where it is meant to: the banner's "published site" link
    assert all("draft" not in line.lower() for line in spec.splitlines() if "https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/" in line)


@pytest.mark.slow  # several builds
def test_a_new_site_builds_checks_serves_and_publishes_after_the_recipe(repo: Path, tmp_path: Path) -> None:
    run_recipe("Add a site", repo)  # new site, a spec in it, build, check
    assert "wg2-power-systems" in (repo / "mkdocs.yml").read_text()
    home = page(repo, "wg2-power-systems", "index.html")
    assert "CDSC-WG2-01: Grid Topology" in home
    # issue 26: recognisable (its short name, colour and mark), listed by its number on every site
    sites = re.search(r"sites:\n((?:\s+- \S+\n)+)", (repo / "mkdocs.yml").read_text()).group(1).split()
    assert [s for s in sites if s != "-"] == ["wg1-connectivity", "wg2-power-systems", "wg3-customer-data"]
    config = (repo / "wg2-power-systems" / "mkdocs.yml").read_text()
    assert 'short_name: "WG2 Power Systems"' in config and "primary: orange" in config
    mark = (repo / "wg2-power-systems" / "docs" / "assets" / "wg2-power-systems-mark.svg").read_text()
    assert "<title>CDSC WG2 Power Systems</title>" in mark and ">2</text>" in mark
    assert 'data-md-color-primary="orange"' in home and 'src="assets/wg2-power-systems-mark.svg"' in home
    for site in [*SITES, "wg2-power-systems"]:
        switcher = re.findall(r'title="CDSC ([^"]+) Working Group"[^>]*>([^<]+)</a>', page(repo, site, "index.html"))
        assert [short for _, short in switcher] == ["WG1 Connectivity", "WG2 Power Systems", "WG3 Customer Data"], site
    assert (repo / "site" / "wg2-power-systems" / "CNAME").read_text() == "powersystems.carbondataspec.org\n"

    # serve: only the new site, on a port the OS picks
    serve = Preview(repo, tmp_path, [sys.executable, "-m", "specsites", "--root", str(repo), "serve", "--site", "wg2-power-systems", "--port", "0"])
    try:
        serve.wait_for(lambda: "Grid Topology" in serve.get("wg2-power-systems", "specs/cdsc-wg2-01/"), "the new site", timeout=60)
        assert "CDSC-WG2-01: Grid Topology" in serve.get("wg2-power-systems", "specs/cdsc-wg2-01/")
        assert list(serve.urls) == ["wg2-power-systems"]
    finally:
        serve.stop()

    # publish every site to local bare repositories (the new one too)
    commit_all(repo, "Add WG2")
    dests = []
    for site in [*SITES, "wg2-power-systems"]:
        remote = tmp_path / f"{site}.git"
        git("init", "-q", "--bare", str(remote))
        dests.append(f"--dest={site}={remote}")
    result = run_cli("publish", *dests, root=repo)
    assert result.returncode == 0, result.stderr
    files = git("--git-dir", str(tmp_path / "wg2-power-systems.git"), "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert {"CNAME", "index.html", "specs/cdsc-wg2-01/index.html"} <= set(files)


def test_a_site_folder_not_listed_is_an_error(repo: Path) -> None:
    folder = repo / "wg2-power-systems"
    (folder / "docs").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text("INHERIT: ../mkdocs.yml\nsite_name: WG2\nsite_url: https://wg2.example.org/\n")
    result = run_cli("build", root=repo)
    line = next(n for n, text in enumerate((repo / "mkdocs.yml").read_text().splitlines(), 1) if text.strip() == "sites:")
    assert result.returncode == 2 and result.stderr.splitlines() == [
        f"error: mkdocs.yml:{line}: wg2-power-systems/mkdocs.yml makes wg2-power-systems a site, but it is not listed under sites:; "
        "add `- wg2-power-systems` there (specsites new site does both), or remove the folder"
    ]


@pytest.mark.slow  # several builds
def test_scaffold_refuses_bad_input_and_writes_nothing(repo: Path, tmp_path: Path) -> None:
    hostile_svg = tmp_path / "mark.svg"
    hostile_svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>')
    before = tree_snapshot(repo)
    cases = [
        (["new", "spec", "wg9", "CDSC-WG9-01", "X"], "error: SITE: unknown site 'wg9'; use one of: wg1-connectivity, wg3-customer-data"),
        (["new", "spec", "wg1-connectivity", "WG1-4", "X"], "error: ID: 'WG1-4' is not a specification id; write it like CDSC-WG1-04"),
        (["new", "spec", "wg1-connectivity", "CDSC-WG1-01", "Again"], "error: wg1-connectivity/docs/specs/cdsc-wg1-01/overview.md: already exists; CDSC-WG1-01 is a spec of wg1-connectivity already, or pick another id"),
        (["new", "spec", "wg1-connectivity", "CDSC-WG1-05", "<b>x</b>"], "error: TITLE: the title '<b>x</b>' must be one line of plain text without < > \" \\ ` { } [ ] | #; like \"Profile Management\""),
        (["new", "site", "../outside", "--host", "x.example.org", "--title", "X"], "error: FOLDER: '../outside' is not a site folder name; use lower-case letters, digits and -, like wg2-power-systems"),
        (["new", "site", "wg2", "--host", "connectivity.carbondataspec.org", "--title", "X"], "error: --host: connectivity.carbondataspec.org is already another site's domain; give each site its own"),
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--remote", "--upload-pack=touch /tmp/x"], "error: --remote: remote '--upload-pack=touch /tmp/x' would be read by git as an option; give a URL (https://, ssh://, git://, file://), user@host:path or a local path"),
        # issue 26: what makes the site recognisable, validated
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--color", "teal"], "error: --color: teal is another working group's colour already; pick another, like deep purple"),
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--color", "chartreuse"], "error: --color: 'chartreuse' is not one of Material's colours; use one of: " + ", ".join(COLORS)),
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--short-name", "<i>WG2</i>"], "error: --short-name: the short name '<i>WG2</i>' must be one line of plain text without < > \" \\ ` { } [ ] | #; like \"WG2 Power Systems\""),
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--logo", str(repo / "mkdocs.yml")], f"error: --logo: '{repo / 'mkdocs.yml'}' is not an .svg file; give the path of the working group's mark as SVG"),
        (["new", "site", "wg2", "--host", "x.example.org", "--title", "X", "--logo", str(hostile_svg)], f"error: --logo: {hostile_svg} holds a script, an event handler or an entity; give a plain SVG drawing"),
    ]
    for args, expected in cases:
        result = run_cli(*args, root=repo)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert expected in result.stderr.splitlines(), result.stderr
    assert tree_snapshot(repo) == before

"""Issue 6: publishing to real git repositories, staging copies, the CI workflow."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SITES, GitHubPagesServer, copy_sources, free_port, run_cli


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the sites as a git repository with one commit."""
    root = copy_sources(tmp_path / "source")
    git("init", "-q", cwd=root)
    git("add", ".", cwd=root)
    git("-c", "user.name=Editor", "-c", "user.email=editor@example.org", "commit", "-qm", "Edit the specs", cwd=root)
    return root


@pytest.fixture
def remotes(tmp_path: Path) -> dict[str, Path]:
    found = {}
    for site in SITES:
        found[site] = tmp_path / f"{site}.git"
        git("init", "-q", "--bare", str(found[site]))
    return found


def publish(source: Path, remotes: dict[str, Path], *extra: str):
    dests = [f"--dest={site}={remote}" for site, remote in remotes.items()]
    return run_cli("publish", *dests, *extra, root=source)


def branches(remotes: dict[str, Path]) -> dict[str, str]:
    return {site: git("--git-dir", str(r), "for-each-ref", "--format=%(refname) %(objectname)") for site, r in remotes.items()}


def test_publish_commits_each_site_once(source: Path, remotes: dict[str, Path]) -> None:
    result = publish(source, remotes)
    assert result.returncode == 0, result.stderr
    head = git("rev-parse", "--short", "HEAD", cwd=source)
    for site, remote in remotes.items():
        files = git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
        assert {"CNAME", ".nojekyll", "index.html", "404.html", "sitemap.xml", "_redirects"} <= set(files)
        assert git("--git-dir", str(remote), "show", "gh-pages:CNAME") == SITES[site]
        assert git("--git-dir", str(remote), "log", "-1", "--format=%s", "gh-pages") == f"Publish {site} from {head} Edit the specs"
    assert "wg3-customer-data/specs/cdsc-wg1-03/index.html" not in result.stdout
    before = branches(remotes)

    again = publish(source, remotes)
    assert again.returncode == 0 and again.stdout.count("unchanged, no commit") == 2
    assert branches(remotes) == before


def test_publish_updates_only_what_changed(source: Path, remotes: dict[str, Path]) -> None:
    assert publish(source, remotes).returncode == 0
    page = source / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nAnother paragraph.\n")
    result = publish(source, remotes, "--dry-run")
    assert result.returncode == 0
    assert "wg1-connectivity" in result.stdout and "unchanged, no commit" in result.stdout
    assert re.search(r"wg3-customer-data: .* would commit \w+ \(0 added, \d+ changed, 0 removed\)", result.stdout)
    assert "  changed  use-cases.html" in result.stdout


def test_dry_run_changes_nothing(source: Path, remotes: dict[str, Path]) -> None:
    before = branches(remotes)
    result = publish(source, remotes, "--dry-run")
    assert result.returncode == 0 and "would commit" in result.stdout
    assert branches(remotes) == before


def test_failing_build_pushes_nothing(source: Path, remotes: dict[str, Path]) -> None:
    assert publish(source, remotes).returncode == 0
    before = branches(remotes)
    page = source / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\n[broken](nowhere.md)\n")
    result = publish(source, remotes)
    assert result.returncode == 2 and "nowhere.md" in result.stderr
    assert branches(remotes) == before


def test_failing_check_pushes_nothing(source: Path, remotes: dict[str, Path]) -> None:
    before = branches(remotes)
    # a page goes away with no redirect: it builds, but its published URL no longer lands
    page = source / "wg3-customer-data" / "docs" / "use-cases.md"
    page.unlink()
    config = source / "wg3-customer-data" / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Use Cases: use-cases.md\n", ""))
    for md in (source / "wg3-customer-data" / "docs").rglob("*.md"):
        md.write_text(re.sub(r"\]\(([./]*)use-cases\.md(#[\w-]+)?\)", "](\\1index.md)", md.read_text()))
    result = publish(source, remotes)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error: FAIL wg3-customer-data /use-cases: status 404" in result.stderr
    assert branches(remotes) == before


def test_staging_copy_under_a_path_prefix_passes_the_live_check(source: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/staging"
    out = tmp_path / "www" / "staging"
    result = run_cli("build", f"--staging-base={base}", "--out", out, root=source)
    assert result.returncode == 0, result.stderr
    assert not (out / "wg1-connectivity" / "CNAME").exists()  # a staging copy must not claim the domain
    page = (out / "wg3-customer-data" / "specs" / "cdsc-wg1-01" / "index.html").read_text()
    assert f'"to": "{base}/wg1-connectivity/specs/cdsc-wg1-01/"' in page
    with GitHubPagesServer({"": tmp_path / "www"}, port=port):
        live = run_cli("check", "--live", *[f"{site}={base}/{site}/" for site in SITES], root=source)
    assert live.returncode == 0, live.stdout
    assert live.stdout.splitlines()[-1] == "all URLs land"
    assert "0 failures" in live.stdout and "12 redirects" in live.stdout


def test_workflow_parses_and_runs_only_scripts_that_exist() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "sites.yml").read_text())
    assert set(workflow["jobs"]) == {"check", "publish"}
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    scripts = set(re.findall(r"\bscripts/[\w-]+", "\n".join(runs)))
    assert scripts == {"scripts/test", "scripts/build", "scripts/check", "scripts/publish"}
    for script in scripts:
        path = ROOT / script
        assert path.is_file() and path.stat().st_mode & 0o111, script
    assert workflow["jobs"]["publish"]["needs"] == "check"
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as true


def test_an_unknown_destination_site_is_refused(source: Path, remotes: dict[str, Path]) -> None:
    result = publish(source, remotes, "--dest=wg9-unknown=/tmp/nowhere.git")
    assert result.returncode == 2 and "error: --dest: unknown site 'wg9-unknown'" in result.stderr
    assert branches(remotes) == {site: "" for site in remotes}

"""Issues 6 and 15: publishing to real git repositories, staging copies, the CI workflow."""
from __future__ import annotations

import re
import subprocess
import tarfile
import io
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SITES, GitHubPagesServer, commit_all, copy_sources, git, header_field, run_cli
from specsites.checks.page_html import parse_page

pytestmark = pytest.mark.slow  # build, check and push to git repositories


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the sites as a git repository with one commit."""
    root = copy_sources(tmp_path / "source")
    commit_all(root, "Edit the specs")
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
    head = git("rev-parse", "--short", "HEAD", cwd=source)  # the source (publishing may then record new URLs and ids)
    result = publish(source, remotes)
    assert result.returncode == 0, result.stderr
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


def publish_then_commit_an_edit(source: Path, remotes: dict[str, Path]) -> None:
    """Publish every site, then commit an edit to one page of wg3-customer-data."""
    assert publish(source, remotes).returncode == 0
    page = source / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nAnother paragraph.\n")
    commit_all(source, "Another paragraph")


def test_publish_updates_only_what_changed(source: Path, remotes: dict[str, Path]) -> None:
    publish_then_commit_an_edit(source, remotes)
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
    commit_all(source, "A broken link")
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
    commit_all(source, "A page removed with no redirect")
    result = publish(source, remotes)
    assert result.returncode == 1, result.stdout + result.stderr  # as `check` exits (README: Errors)
    assert "error: FAIL wg3-customer-data /use-cases: status 404" in result.stderr
    assert branches(remotes) == before


def test_staging_copy_under_a_path_prefix_passes_the_live_check(source: Path, tmp_path: Path) -> None:
    server = GitHubPagesServer({"": tmp_path / "www"})  # listening on a port the OS picked; serves once entered
    base = f"http://127.0.0.1:{server.port}/staging"
    out = tmp_path / "www" / "staging"
    result = run_cli("build", f"--staging-base={base}", "--out", out, root=source)
    assert result.returncode == 0, result.stderr
    assert not (out / "wg1-connectivity" / "CNAME").exists()  # a staging copy must not claim the domain
    page = (out / "wg3-customer-data" / "specs" / "cdsc-wg1-01" / "index.html").read_text()
    assert parse_page(page).script_to == f"{base}/wg1-connectivity/specs/cdsc-wg1-01/"
    with server:
        live = run_cli("check", "--live", *[f"{site}={base}/{site}/" for site in SITES], root=source)
    assert live.returncode == 0, live.stdout
    assert live.stdout.splitlines()[-1] == "all URLs land"
    # as many URLs, ids and redirect pages followed over HTTP as through the files
    static = run_cli("check", "--out", out, *[f"--base-url={site}={base}/{site}/" for site in SITES], root=source)
    assert static.returncode == 0 and live.stdout == static.stdout, static.stdout + static.stderr
    assert "0 failures" in live.stdout and re.search(r" [1-9]\d* redirects ", live.stdout)


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


def test_uncommitted_changes_are_refused_unless_allowed(source: Path, remotes: dict[str, Path]) -> None:
    page = source / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nNot committed yet.\n")
    (source / "wg1-connectivity" / "docs" / "new-page.md").write_text("# New\n")  # untracked counts too
    result = publish(source, remotes)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: the work tree has uncommitted changes (wg1-connectivity/docs/use-cases.md, wg1-connectivity/docs/new-page.md); "
        "commit or stash them, or pass --allow-dirty to publish them anyway"
    ]
    assert result.stdout == ""
    assert branches(remotes) == {site: "" for site in remotes}

    (source / "wg1-connectivity" / "docs" / "new-page.md").unlink()
    allowed = publish(source, remotes, "--allow-dirty")
    assert allowed.returncode == 0, allowed.stderr
    subject = git("--git-dir", str(remotes["wg1-connectivity"]), "log", "-1", "--format=%s", "gh-pages")
    assert subject.endswith("Edit the specs (with uncommitted changes)")


def test_dry_run_summarises_pages_and_names_the_commit_pushed(source: Path, remotes: dict[str, Path]) -> None:
    publish_then_commit_an_edit(source, remotes)

    summary = publish(source, remotes, "--dry-run")
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("wg3-customer-data:"))
    would = re.search(r"would commit (\w{12}) \(0 added, (\d+) changed, 0 removed\)", lines[at])
    assert would, summary.stdout
    # the page edited, then one line for the rest: no search index, no sitemap
    assert lines[at + 1:] == ["  changed  use-cases.html", f"  and 0 redirect and error pages, {int(would.group(2)) - 1} other files (search index, sitemap, assets); --list shows them"]

    every = publish(source, remotes, "--dry-run", "--list")
    assert "  changed  search/search_index.json" in every.stdout.splitlines()
    assert sum(line.startswith("  changed  ") for line in every.stdout.splitlines()) == int(would.group(2))

    pushed = publish(source, remotes)
    assert pushed.returncode == 0, pushed.stderr
    assert git("--git-dir", str(remotes["wg3-customer-data"]), "rev-parse", "gh-pages").startswith(would.group(1))
    message = git("--git-dir", str(remotes["wg3-customer-data"]), "log", "-1", "--format=%B", "gh-pages")
    assert f"Source-Commit: {git('rev-parse', 'HEAD', cwd=source)}" in message


def test_staging_copy_of_every_site_in_one_repository(source: Path, tmp_path: Path) -> None:
    """The README's https://USER.github.io/REPO case: one branch, each site under its folder."""
    staging = tmp_path / "staging.git"
    git("init", "-q", "--bare", str(staging))
    server = GitHubPagesServer({"": tmp_path / "www"})  # listening on a port the OS picked; serves once entered
    base = f"http://127.0.0.1:{server.port}/repo"
    shared = {site: staging for site in SITES}
    result = publish(source, shared, f"--staging-base={base}")
    assert result.returncode == 0, result.stderr
    assert git("--git-dir", str(staging), "rev-list", "--count", "gh-pages") == "1"  # one commit for both
    files = set(git("--git-dir", str(staging), "ls-tree", "-r", "--name-only", "gh-pages").splitlines())
    assert {".nojekyll", "wg1-connectivity/index.html", "wg3-customer-data/index.html", "wg3-customer-data/_redirects"} <= files
    assert "index.html" not in files and not any(f.endswith("CNAME") for f in files)
    spec = git("--git-dir", str(staging), "show", "gh-pages:wg1-connectivity/specs/cdsc-wg1-01/index.html")
    assert header_field(spec, "Editor's draft") == f'<a href="{base}/wg1-connectivity/specs/cdsc-wg1-01/">{base}/wg1-connectivity/specs/cdsc-wg1-01/</a>'

    # Served as GitHub Pages serves the branch, every published URL of both sites lands.
    www = tmp_path / "www" / "repo"
    www.mkdir(parents=True)
    archive = subprocess.run(["git", "--git-dir", str(staging), "archive", "gh-pages"], capture_output=True, check=True).stdout
    tarfile.open(fileobj=io.BytesIO(archive)).extractall(www)
    with server:
        live = run_cli("check", "--live", *[f"{site}={base}/{site}/" for site in SITES], root=source)
    assert live.returncode == 0 and live.stdout.splitlines()[-1] == "all URLs land", live.stdout


def test_sites_sharing_a_destination_outside_a_staging_copy_are_refused(source: Path, tmp_path: Path) -> None:
    staging = tmp_path / "staging.git"
    git("init", "-q", "--bare", str(staging))
    result = publish(source, {site: staging for site in SITES})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --dest: wg1-connectivity, wg3-customer-data all publish to ")
    assert git("--git-dir", str(staging), "for-each-ref") == ""


def reject_pushes(remote: Path) -> None:
    """The remote refuses every push. (Not with a pre-receive hook: a push to a
    repository on this machine runs none of its hooks, issue 25.)"""
    git("--git-dir", str(remote), "config", "receive.maxInputSize", "1")


def status(source: Path, remotes: dict[str, Path]):
    return publish(source, remotes, "--status")


def test_a_failed_push_says_what_was_published_and_status_shows_it(source: Path, remotes: dict[str, Path]) -> None:
    reject_pushes(remotes["wg3-customer-data"])
    result = publish(source, remotes)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    head = git("rev-parse", "HEAD", cwd=source)
    wg1_tip = git("--git-dir", str(remotes["wg1-connectivity"]), "rev-parse", "gh-pages")
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"error: publishing wg3-customer-data to {remotes['wg3-customer-data']} gh-pages failed: git push: ")
    assert lines[1:] == [
        f"error: published: wg1-connectivity ({wg1_tip[:12]} to {remotes['wg1-connectivity']} gh-pages)",
        "error: not published: wg3-customer-data; see scripts/publish --status, fix the cause, then run scripts/publish again",
    ]
    assert branches({"wg3-customer-data": remotes["wg3-customer-data"]}) == {"wg3-customer-data": ""}

    half = status(source, remotes)
    assert half.returncode == 1
    assert half.stdout.splitlines() == [
        f"wg1-connectivity: {remotes['wg1-connectivity']} gh-pages: published from {head[:12]}, the current source: up to date",
        f"wg3-customer-data: {remotes['wg3-customer-data']} gh-pages: never published; current source {head[:12]}",
    ]

    git("--git-dir", str(remotes["wg3-customer-data"]), "config", "--unset", "receive.maxInputSize")  # the cause fixed: run it again
    again = publish(source, remotes)
    assert again.returncode == 0, again.stderr
    assert "wg1-connectivity" in again.stdout and "unchanged, no commit" in again.stdout
    assert status(source, remotes).returncode == 0

    page = source / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nLater.\n")
    commit_all(source, "Later")
    behind = status(source, remotes)
    assert behind.returncode == 1
    assert f"wg1-connectivity: {remotes['wg1-connectivity']} gh-pages: published from {head[:12]}, 1 commit behind {git('rev-parse', 'HEAD', cwd=source)[:12]}; run scripts/publish" in behind.stdout.splitlines()


def test_a_destination_cannot_run_commands(source: Path, remotes: dict[str, Path], tmp_path: Path) -> None:
    """Issue 15: git read this remote as its --upload-pack option and ran `touch`."""
    marker = tmp_path / "marker"
    result = run_cli("publish", "--dry-run", "--dest", f"wg1-connectivity=--upload-pack=touch {marker};", f"--dest=wg3-customer-data={remotes['wg3-customer-data']}", root=source)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "would be read by git as an option" in result.stderr
    assert not marker.exists()

    config = source / "mkdocs.yml"
    config.write_text(config.read_text().replace("remote: https://github.com/carbon-data-specification/Connectivity.git", f'remote: "--upload-pack=touch {marker};"'))
    commit_all(source, "A hostile destination")
    from_config = run_cli("publish", "--dry-run", f"--dest=wg3-customer-data={remotes['wg3-customer-data']}", root=source)
    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if "--upload-pack" in text)
    assert from_config.returncode == 2 and from_config.stderr.startswith(f"error: mkdocs.yml:{line}: destinations: wg1-connectivity: remote ")
    assert not marker.exists()

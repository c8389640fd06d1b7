"""Issue 29: a MkDocs user feels at home. Each test is one "Why" of the issue, through
the real command line: the installed console script, MkDocs' own `mkdocs`, and
`specsites serve` as a process on 127.0.0.1."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ENV, ROOT, SITES, commit_all, copy_sources, edit, git, install_copy, run_cli

pytestmark = pytest.mark.slow  # pip installs the package; several builds

WG1, WG3 = "wg1-connectivity", "wg3-customer-data"
COMMANDS = ["build", "check", "mv", "publish", "new", "serve"]


# --- the tool speaks its own name ----------------------------------------------------

@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """`pip install .` of this checkout (not editable) into a folder of its own: its
    `specsites` console script, and the environment to run it in."""
    target = install_copy(tmp_path_factory.mktemp("installed"))
    script = target / "bin" / "specsites"
    assert script.is_file(), sorted(p.name for p in (target / "bin").iterdir())
    env = {key: value for key, value in ENV.items() if key != "SPECSITES_WRAPPERS"}  # not run by scripts/
    return script, {**env, "PYTHONPATH": str(target)}


def run_installed(installed: tuple[Path, dict], *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    script, script_env = installed
    return subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, env={**script_env, **(env or {})}, timeout=300)


def test_the_installed_script_says_its_version(installed, tmp_path: Path) -> None:
    from importlib import metadata

    result = run_installed(installed, "--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "specsites 0.1.0"
    assert f"engine: MkDocs {metadata.version('mkdocs')}" in lines
    assert f"theme: Material for MkDocs {metadata.version('mkdocs-material')}" in lines


def test_the_installed_script_lists_and_explains_every_command(installed, tmp_path: Path) -> None:
    listing = run_installed(installed, "--help", cwd=tmp_path).stdout
    for name in COMMANDS:
        assert re.search(rf"^    {name} +\w.+$", listing, re.M), f"{name} has no line in:\n{listing}"
    for name in [*COMMANDS, "new spec", "new site"]:
        result = run_installed(installed, *name.split(), "--help", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        usage, description = result.stdout.split("\n\n")[:2]
        assert usage.startswith(f"usage: specsites {name} "), usage
        assert not description.startswith(("options:", "positional arguments:")) and len(description.split()) > 8, f"{name}: no description:\n{result.stdout}"
        examples = result.stdout.rpartition("\nexample")[2]
        assert re.search(rf"^  specsites {name}\b", examples, re.M), f"{name}: no example:\n{result.stdout}"


def test_the_installed_script_names_itself_in_what_to_run(installed, tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    unbuilt = run_installed(installed, "check", cwd=repo)
    assert unbuilt.returncode == 2
    assert unbuilt.stderr.splitlines() == [f"error: {repo / 'site'}: {WG1} is not built there; run specsites build first"]

    edit(repo / WG1 / "specifications" / "cdsc-wg1-01.md", "### 1.1 Goals {#goals}", "### 1.1 Goals {#aims}")
    fix = run_installed(installed, "check", "--fix", cwd=repo)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert fix.stdout.splitlines()[-1] == "wrote 1 entry to redirects.yml; run specsites build and specsites check"

    # the same script, started by a scripts/ wrapper (scripts/_env.sh), names the wrappers
    wrapped = run_installed(installed, "check", "--fix", cwd=repo, env={"SPECSITES_WRAPPERS": "scripts"})
    assert wrapped.stdout.splitlines()[-1] == "nothing to fix: every published URL and id has a page or an entry"
    built = run_installed(installed, "build", cwd=repo)
    assert built.returncode == 0, built.stderr
    assert "when specsites publish puts them live" in built.stdout
    shutil.rmtree(repo / "site" / WG3)
    stale = run_installed(installed, "check", cwd=repo, env={"SPECSITES_WRAPPERS": "scripts"})
    assert stale.stderr.splitlines() == [f"error: {repo / 'site'}: {WG3} is not built there; run scripts/build first"]


# --- plain MkDocs output never dirties the work tree ---------------------------------

def test_plain_mkdocs_output_is_no_change_to_commit_or_publish(tmp_path: Path) -> None:
    source = copy_sources(tmp_path / "source")
    shutil.copy2(ROOT / ".gitignore", source / ".gitignore")
    commit_all(source)
    assert run_cli("build", root=source).returncode == 0
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", f"{WG1}/mkdocs.yml"], cwd=source, capture_output=True, text=True, env=ENV, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (source / WG1 / "site" / "index.html").is_file()  # where MkDocs writes it, as the README says
    assert git("status", "--porcelain", "--untracked-files=all", cwd=source) == ""
    check = run_cli("check", root=source)  # nor is it a source the check finds changed since the build
    assert check.returncode == 0 and check.stdout.splitlines()[-1] == "all URLs land", check.stdout + check.stderr

    remotes = {site: tmp_path / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote))
    dry_run = run_cli("publish", "--dry-run", *(f"--dest={site}={remote}" for site, remote in remotes.items()), root=source)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "uncommitted" not in dry_run.stderr + dry_run.stdout and "--allow-dirty" not in dry_run.stderr


# --- gh-deploy -----------------------------------------------------------------------

def gh_deploy(source: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "gh-deploy", "-f", f"{WG1}/mkdocs.yml", "--no-history"],
        cwd=source, capture_output=True, text=True, env={**ENV, **IDENTITY, **(env or {})}, timeout=300,
    )


IDENTITY = {"GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@example.org", "GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@example.org"}


def test_gh_deploy_is_stopped_with_one_line_unless_insisted(tmp_path: Path) -> None:
    source = copy_sources(tmp_path / "source")
    commit_all(source)
    remote = tmp_path / "pages.git"
    git("init", "-q", "--bare", str(remote))
    git("remote", "add", "origin", str(remote), cwd=source)

    stopped = gh_deploy(source)
    assert stopped.returncode != 0
    errors = [line for line in (stopped.stdout + stopped.stderr).splitlines() if "gh-deploy" in line]
    assert len(errors) == 1, stopped.stdout + stopped.stderr
    assert "without the URL check" in errors[0] and "publish with specsites publish" in errors[0]
    assert "set SPECSITES_ALLOW_GH_DEPLOY=1 to deploy anyway" in errors[0]
    assert git("--git-dir", str(remote), "for-each-ref", cwd=tmp_path) == ""  # nothing pushed
    assert git("branch", "--list", "gh-pages", cwd=source) == ""  # nor committed locally
    assert not (source / WG1 / "site").exists()  # nor built

    insisted = gh_deploy(source, {"SPECSITES_ALLOW_GH_DEPLOY": "1"})
    assert insisted.returncode == 0, insisted.stderr
    assert git("--git-dir", str(remote), "for-each-ref", "--format=%(refname)", cwd=tmp_path) == "refs/heads/gh-pages"


# --- every warning one file:line line; the root mkdocs.yml ---------------------------

def test_a_page_left_out_of_the_nav_is_one_line_at_the_nav(repo: Path) -> None:
    (repo / WG3 / "docs" / "scope").mkdir()
    (repo / WG3 / "docs" / "scope" / "use-cases.md").write_text("# Use cases in scope\n")
    result = run_cli("build", root=repo)
    assert result.returncode == 2, result.stdout + result.stderr
    nav_line = (repo / WG3 / "mkdocs.yml").read_text().splitlines().index("nav:") + 1
    assert result.stderr.splitlines() == [f"error: {WG3}/mkdocs.yml:{nav_line}: scope/use-cases.md is in docs/ but not in the nav; add it"]


def test_mkdocs_link_and_file_warnings_are_file_line_lines(repo: Path) -> None:
    page = repo / WG3 / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nSee [the specs](specs) and [the overview](specs/cdsc-wg3-01/overview).\n")
    line = len(page.read_text().splitlines())
    (repo / WG3 / "docs" / "README.md").write_text("# Read me\n")
    result = run_cli("build", root=repo)
    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == [
        f"error: {WG3}/docs/README.md:1: README.md and index.md would be the same page, so README.md is left out; rename or delete one of them",
        f"error: {WG3}/docs/use-cases.md:{line}: the link 'specs' names no page's .md file, so it is not checked and may not land; did you mean specs/index.md?",
        f"error: {WG3}/docs/use-cases.md:{line}: the link 'specs/cdsc-wg3-01/overview' names no page's .md file, so it is not checked and may not land; did you mean specs/cdsc-wg3-01/overview.md?",
    ]


def test_the_root_mkdocs_yml_built_by_itself_says_to_build_a_sites(repo: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=repo, capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    site_name_line = (repo / "mkdocs.yml").read_text().splitlines().index("site_name: the shared base of every site") + 1
    assert errors == [
        f"ERROR   -  mkdocs.yml:{site_name_line}: this is the shared base every site inherits, not a site; "
        "build a site's: mkdocs build -f <site>/mkdocs.yml, or every site with scripts/build"
    ], result.stderr
    assert not (repo / "site").exists()


def test_a_site_without_a_name_is_told_so(repo: Path) -> None:
    edit(repo / WG1 / "mkdocs.yml", "site_name: CDSC Connectivity Working Group\n", "")
    result = run_cli("build", "--site", WG1, root=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {WG1}/mkdocs.yml:1: no site_name; give the site its name, like site_name: CDSC Power Systems Working Group"]


# --- serve: -a/--dev-addr, --open, 8000 ----------------------------------------------

class Serving:
    """`specsites serve ARGS` in its own process, its output read as it comes."""

    def __init__(self, repo: Path, tmp_path: Path, *args: str, env: dict | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "specsites", "--root", str(repo), "serve", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**ENV, "TMPDIR": str(tmp_path), **(env or {})},
        )
        self.lines: list[str] = []
        self.said = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.said:
                self.lines.append(line.rstrip("\n"))
                self.said.notify_all()
        with self.said:
            self.lines.append("")  # it ended
            self.said.notify_all()

    def line(self, pattern: str, timeout: float = 120) -> re.Match:
        """The first output line matching pattern (or the failing test's output)."""
        with self.said:
            found = self.said.wait_for(lambda: any(re.search(pattern, l) for l in self.lines) or (self.lines and self.lines[-1] == "" and self.process.poll() is not None), timeout)
            match = next((m for l in self.lines if (m := re.search(pattern, l))), None)
        assert found and match, f"no line matching {pattern!r}:\n" + "\n".join(self.lines)
        return match

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def test_serve_starts_at_port_8000_as_mkdocs_serve(repo: Path, tmp_path: Path) -> None:
    serving = Serving(repo, tmp_path, "--site", WG1)
    try:
        # either it serves there, or 8000 is taken on this machine and it says so
        said = serving.line(rf"serving {WG1} +at (\S+)|cannot listen on (\S+) for {WG1}")
        assert (said.group(1) or said.group(2).join(["http://", "/"])) == "http://127.0.0.1:8000/", "\n".join(serving.lines)
    finally:
        serving.stop()


def test_serve_takes_dev_addr_and_open(repo: Path, tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {opened}\n")
    browser.chmod(0o755)
    serving = Serving(repo, tmp_path, "-a", "127.0.0.2:0", "--open", env={"BROWSER": f"{browser} %s"})
    try:
        url = serving.line(rf"serving {WG1} +at (http://127\.0\.0\.2:\d+/)").group(1)
        other = serving.line(rf"serving {WG3} +at (http://127\.0\.0\.2:\d+/)").group(1)
        serving.line(rf"{WG1}: built in")
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.status == 200 and "<h1" in answer.read().decode()
        deadline = time.monotonic() + 30  # the browser command ran before the first build ended
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text().splitlines() == [url]
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert status_for(("127.0.0.2", port), f"127.0.0.2:{port}") == 200
        assert status_for(("127.0.0.2", port), f"localhost:{port}") == 200
        assert status_for(("127.0.0.2", port), "attacker.example") == 421
        assert other != url
    finally:
        serving.stop()


def status_for(where: tuple[str, int], host: str) -> int:
    """The status a GET / with this Host header gets."""
    import socket

    with socket.create_connection(where, timeout=30) as client:
        client.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        head = client.recv(64).decode("latin-1")
    return int(head.split()[1])


def test_a_bad_dev_addr_is_one_line(repo: Path) -> None:
    result = run_cli("serve", "-a", "8000", root=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: --dev-addr: '8000' is not HOST:PORT; give one like 127.0.0.1:8000, localhost:8000 or [::1]:8000"]


@pytest.mark.parametrize("wrapper", ["build", "check", "mv"])
def test_a_usage_error_names_the_command_as_the_user_ran_it(wrapper: str) -> None:
    """`scripts/build --bogus` says `scripts/build: error: ...`, not the console script's name."""
    args = ["a.md", "b.md"] if wrapper == "mv" else []
    result = subprocess.run([str(ROOT / "scripts" / wrapper), *args, "--bogus"], capture_output=True, text=True, env=ENV, timeout=120)
    assert result.returncode == 2
    assert result.stderr.endswith(f"scripts/{wrapper}: error: unrecognized arguments: --bogus\n"), result.stderr

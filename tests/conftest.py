"""Shared fixtures: a copy of the repository's sources, real builds, real servers."""
from __future__ import annotations

import re

import atexit
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from github_pages import GitHubPagesServer

ROOT = Path(__file__).resolve().parents[1]

# The tool's caches (parsed maps, version pages) are the tests' own, shared by every
# test and subprocess of this run and gone after it: a developer's cache is neither
# read (no test passes on a warm one) nor filled with the tests' small repositories,
# which would push out the entries of the real ones.
_CACHE = tempfile.mkdtemp(prefix="specsites-test-cache-")
os.environ["SPECSITES_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)
# The key that signs cache entries (machinery/cache_files.py), the tests' own too.
_KEY = tempfile.mkdtemp(prefix="specsites-test-key-")
os.environ["SPECSITES_CACHE_KEY_FILE"] = os.path.join(_KEY, "cache-key")
atexit.register(shutil.rmtree, _KEY, True)

def _real_sites() -> dict[str, str]:
    """The real repository's sites, as its base mkdocs.yml lists them: folder -> host."""
    from specsites.sources.sites import load_repository

    return {site.name: urlsplit(site.production_url).hostname or "" for site in load_repository(ROOT).sites}


SITES = _real_sites()
SOURCES = ["mkdocs.yml", "redirects.yml", "published-urls.yml", "docs", *SITES]
# scripts/_env.sh (which scripts/test sources) sets NO_MKDOCS_2_WARNING for every run.
ENV = dict(os.environ)


def git(*args: str, cwd: Path | None = None, env: dict | None = None) -> str:
    """git as an editor would run it (with a name and email for commits): its output,
    stripped; git's error fails the test."""
    result = subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org", *args],
        cwd=cwd, capture_output=True, text=True, env=env or ENV,
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def commit_all(root: Path, message: str = "The sources", env: dict | None = None) -> None:
    """Commit every file under root, making it a git repository first if it is not one."""
    if not (root / ".git").exists():
        git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-qm", message, cwd=root, env=env)


def edit(path: Path, old: str, new: str, count: int = -1) -> None:
    """Replace text in a file, failing the test if the text is not there."""
    text = path.read_text()
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, count))


def copy_sources(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


FIXTURE = Path(__file__).resolve().parent / "fixture-repo"
THEME = ["docs/overrides"]  # the real theme, which the fixture's sites use too


def fixture_repo(dest: Path) -> Path:
    """A copy of tests/fixture-repo (three tiny sites), for tests about the tool rather
    than the consortium's content: its pages, moves and counts are the tests' own."""
    shutil.copytree(FIXTURE, dest)
    for name in THEME:
        shutil.copytree(ROOT / name, dest / name)
    return dest


def run_cli(*args: str | Path, root: Path = ROOT, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`specsites --root ROOT ARGS` in its own process, as a user runs it: forked from
    this one, which has imported the tool and MkDocs once (warm_cli: the same entry
    point, without Python's start and 0.5 s of imports a command), or, for a test
    that gives an environment of its own, started afresh."""
    if env is None or env == ENV:
        from warm_cli import run_warm

        return run_warm(*args, root=root, env=ENV, timeout=timeout)
    return subprocess.run(
        [sys.executable, "-m", "specsites", "--root", str(root), *map(str, args)],
        capture_output=True, text=True, env=env or ENV, timeout=timeout,
    )


def listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on (IPv4), read from /proc: for a server told
    to listen on port 0 that does not say which port it got."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return set()
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


_ports = random.Random()  # its own: a test seeding `random` must not pin the ports


def engine_ports(count: int = 1) -> int:
    """The first of `count` consecutive ports free on 127.0.0.1 now, for the hosts' own
    servers only (nginx, wrangler, netlify dev): they take a port number and refuse
    port 0 or do not say which port they got. Our own servers bind port 0 and report
    the port (GitHubPagesServer.port, `specsites serve --port 0`), with no gap in
    which another program could take it.

    Taken below the kernel's ephemeral range when it leaves room: the tests' own
    client connections take ports from that range.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    top = low - count if low - count > 12_000 else 65_535 - count
    for _ in range(200):
        first = _ports.randrange(10_000, top)
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports on 127.0.0.1")


# Filled by the host-engine tests: "host  kind  N requested  N landed  N got a 301",
# printed at the end of the run (issue 12 asks for these numbers). Each test's lines
# travel in its report (user_properties), so they reach the summary from any
# pytest-xdist worker.
HOST_TALLIES: list[str] = []
_TALLY = "host tally"
_REPORTED_TALLIES: list[str] = []


@pytest.fixture(autouse=True)
def _report_host_tallies(request: pytest.FixtureRequest) -> Iterator[None]:
    start = len(HOST_TALLIES)
    yield
    request.node.user_properties.extend((_TALLY, line) for line in HOST_TALLIES[start:])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown":
        _REPORTED_TALLIES.extend(value for name, value in report.user_properties if name == _TALLY)


def pytest_terminal_summary(terminalreporter) -> None:
    if _REPORTED_TALLIES:
        terminalreporter.section("old and canonical URLs through each host's engine")
        for line in _REPORTED_TALLIES:
            terminalreporter.write_line(line)


# Issue 28: the quick tier (`scripts/test --quick`, `-m "not slow"`) leaves out what
# needs a browser, a host's engine, nginx, Java or pip, soaks, fuzzes or builds many
# times. A test that uses the browser is slow wherever it stands.
SLOW_FIXTURES = {"chromium"}


# The files that take longest, longest first (per-file times of a whole run, 2026-12-02).
# scripts/test hands files to the workers in collection order (--no-loadscope-reorder):
# a worker that starts a long file near the end of the run holds the run up, so the long
# ones start first and the short ones fill in around them. The other files follow, most
# tests first (pytest-xdist's own order). A file missing here only starts later.
LONGEST_FIRST = [
    "test_model.py", "test_hostile.py", "test_publish.py", "test_check_vs_chromium.py", "test_check_vs_chromium_more.py",
    "test_hosts.py", "test_move.py", "test_readers.py", "test_promise.py", "test_page_reuse.py",
    "test_permanence.py", "test_preview.py", "test_bad_input.py", "test_bad_input_more.py",
    "test_engines.py", "test_build.py", "test_parallel_pages.py", "test_nav_cache.py", "test_authoring.py",
    "test_versions.py", "test_mkdocs_user.py", "test_redirect_folders.py", "test_browser.py", "test_check.py",
    "test_check_hostile.py", "test_preview_hosts.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    per_file = Counter(item.path.name for item in items)
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    # A stable sort: each file's tests stay together and in their order.
    items.sort(key=lambda item: (rank.get(item.path.name, len(rank)), -per_file[item.path.name]))


def readme_recipe(title: str) -> list[list[str]]:
    """The commands of the README section's ```sh block, split as a shell would."""
    import re
    import shlex

    section = (ROOT / "README.md").read_text().split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"no sh block under '## {title}'"
    return [shlex.split(line) for line in block.group(1).splitlines() if line.strip()]


def record_published(root: Path, site: str, url: str, ids: list[str]) -> None:
    """Add a URL and its ids to a copy's published-urls.yml, as a publish would."""
    from specsites.sources.inventory import dump_inventory, load_inventory, merge
    from specsites.sources.sites import load_repository

    path = root / "published-urls.yml"
    path.write_text(dump_inventory(merge(load_inventory(load_repository(root)), {site: {url: set(ids)}})))


def refresh_page(to: str) -> str:
    """A bare redirect page (meta refresh only), as a hand-made or stale output holds."""
    return f'<!doctype html><html><head><meta http-equiv="refresh" content="0; url={to}"></head><body></body></html>'


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder with its bytes, to compare before and after."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A private copy of the repository's sites to edit and build."""
    return copy_sources(tmp_path / "repo")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sites, built once for the session as production builds."""
    root = copy_sources(tmp_path_factory.mktemp("built") / "repo")
    result = run_cli("build", root=root)
    assert result.returncode == 0, result.stderr
    return root / "site"


@pytest.fixture(scope="session")
def built_zensical(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real sites built once for the session by Zensical (engines/zensical.py)."""
    root = copy_sources(tmp_path_factory.mktemp("built-zensical") / "repo")
    result = run_cli("build", "--engine", "zensical", root=root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def built_by(request: pytest.FixtureRequest) -> Path:
    """For a fixture parametrized by engine: the session's production build by it."""
    return request.getfixturevalue("built" if request.param == "mkdocs" else "built_zensical")


@pytest.fixture(scope="session")
def production_server(built: Path) -> Iterator[GitHubPagesServer]:
    """Both production hosts served from the session build, GitHub Pages' way; any
    other host name gets the Customer Data site."""
    folders = {host: built / site for site, host in SITES.items()}
    with GitHubPagesServer({**folders, "": built / "wg3-customer-data"}) as server:
        yield server


CHROMIUM = os.environ.get("SPECSITES_CHROMIUM", "/usr/bin/chromium")  # Debian's package
# Without these, Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Launches Debian's Chromium through Playwright; extra args per test via launch(args)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed; scripts/test installs it (Debian package chromium)")
    with sync_playwright() as playwright:
        def launch(extra: list[str] = ()):
            return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra))
        yield launch


def header_field(html: str, name: str) -> str:
    """One field's value in a spec page's standards header (pages/spec_header.py)."""
    header = re.search(r'<dl class="specsites-spec-header">(.*?)</dl>', html, re.DOTALL)
    assert header, "no spec header"
    found = re.search(r"<dt>" + re.escape(name) + r"</dt>\n<dd>(.*?)</dd>", header.group(1), re.DOTALL)
    return found.group(1) if found else ""


def install_copy(folder: Path) -> Path:
    """`pip install` (not editable, no dependencies) of a copy of this checkout's
    package into folder/target, built from folder/project (a build writes into the
    tree it builds); the target folder."""
    import shutil

    project = folder / "project"
    shutil.copytree(ROOT / "scripts", project / "scripts", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    target = folder / "target"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check", "--target", str(target), str(project)],
        capture_output=True, text=True, env=ENV, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    return target

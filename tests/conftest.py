"""Shared fixtures: a copy of the repository's sources, real builds, real servers."""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from specsites.static_host import GitHubPagesServer

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["mkdocs.yml", "redirects.yml", "published-urls.yml", "docs", "wg1-connectivity", "wg3-customer-data"]
SITES = {"wg1-connectivity": "connectivity.carbondataspec.org", "wg3-customer-data": "customerdata.carbondataspec.org"}
# scripts/_env.sh (which scripts/test sources) sets NO_MKDOCS_2_WARNING for every run.
ENV = dict(os.environ)


def copy_sources(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def run_cli(*args: str | Path, root: Path = ROOT, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`specsites --root ROOT ARGS` in its own process, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "specsites", "--root", str(root), *map(str, args)],
        capture_output=True, text=True, env=env or ENV, timeout=timeout,
    )


_ports = random.Random()  # its own: a test seeding `random` must not pin the ports


def free_port(count: int = 1) -> int:
    """The first of `count` consecutive ports free on 127.0.0.1.

    Taken below the kernel's ephemeral range when it leaves room: the tests' own
    client connections take ports from that range, and once took a preview's second.
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
# printed at the end of the run (issue 12 asks for these numbers).
HOST_TALLIES: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if HOST_TALLIES:
        terminalreporter.section("old and canonical URLs through each host's engine")
        for line in HOST_TALLIES:
            terminalreporter.write_line(line)


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
    from specsites.inventory import dump_inventory, load_inventory, merge
    from specsites.sites import load_repository

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

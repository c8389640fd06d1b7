"""Issue 12: old URLs land on every host, through each host's own software.

Cloudflare Pages (`wrangler pages dev`), Netlify (`netlify build` then `netlify dev`,
offline, and Netlify's own rule parser) and our GitHub Pages stand-in serve the
session's production build on 127.0.0.1 (nginx: tests/test_nginx.py). Each engine
starts once per module, serving both sites at once. The npm packages are installed
by scripts/test (scripts/_env.sh) into .cache/host-engines.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import HOST_TALLIES, ROOT, SITES, GitHubPagesServer, built_by, engine_ports
from host_urls import Case, canonical_cases, old_url_cases, walk

pytestmark = pytest.mark.slow  # each host's own server (wrangler, netlify dev)

ENGINES = Path(os.environ.get("SPECSITES_HOST_ENGINES", ROOT / ".cache" / "host-engines"))
BIN = ENGINES / "node_modules" / ".bin"
# No newer than the workerd that wrangler bundles supports (offline it cannot fetch a newer one).
COMPATIBILITY_DATE = "2025-01-01"


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def built(request: pytest.FixtureRequest) -> Path:
    """The session's production build, by each engine: the hosts answer both alike."""
    return built_by(request)


def _env() -> dict[str, str]:
    # npm's node 22 (wrangler needs it) and deno (netlify dev needs it offline) first on PATH.
    return {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "WRANGLER_SEND_METRICS": "false",
            "NETLIFY_TELEMETRY_DISABLED": "1", "BROWSER": "none", "NO_COLOR": "1", "CI": "1"}


def _need(tool: str) -> Path:
    path = BIN / tool
    if not path.exists():
        pytest.fail(f"{path} is missing; scripts/test installs it (npm, into {ENGINES})")
    return path


@contextmanager
def _serving(runs: list[tuple[list[str], Path, int, Path]], one_at_a_time: bool = False) -> Iterator[None]:
    """Runs engines (command, cwd, port, log), each in its own process group, until
    each accepts connections on its port: all started at once, or each once the one
    before listens (netlify dev takes a helper port, 3999 unless busy, when it starts:
    two starting together both take it)."""
    processes = []
    deadline = time.monotonic() + 180  # cold starts on a busy 2-core machine
    try:
        for command, cwd, port, log in runs:
            with open(log, "wb") as out:
                processes.append(subprocess.Popen(command, cwd=cwd, env=_env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            if one_at_a_time:
                _wait_listening(processes[-1], command, port, log, deadline)
        for process, (command, _, port, log) in zip(processes, runs):
            _wait_listening(process, command, port, log, deadline)
        yield
    finally:
        for process in processes:
            _signal_group(process, signal.SIGTERM)  # the engine's own workers too (workerd, the static server)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _wait_listening(process: subprocess.Popen, command: list[str], port: int, log: Path, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{command[0]} did not start (exit {process.poll()}):\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the engine's process group; it may be gone already (netlify dev's group
    ends with its last child, which an engine can reap before we get here)."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _copy(built: Path, dest: Path) -> dict[str, Path]:
    """A private copy of each site: the engines write state next to it (and Netlify's build step edits it)."""
    folders = {}
    for site in SITES:
        folders[site] = dest / site
        shutil.copytree(built / site, folders[site])
    return folders


@pytest.fixture(scope="module")
def cases(built: Path) -> dict[str, list[Case]]:
    return {"old URL forms": old_url_cases(built.parent), "canonical URLs": canonical_cases(built)}


def _check(host: str, servers: dict[str, tuple[str, int]], cases: dict[str, list[Case]], expect_301: bool) -> None:
    tallies = {kind: walk(kind_cases, servers) for kind, kind_cases in cases.items()}
    HOST_TALLIES.extend(tally.line(host, kind) for kind, tally in tallies.items())
    old, canonical = tallies["old URL forms"], tallies["canonical URLs"]
    assert old.requested >= 6 * 4 * 3 and canonical.requested >= 2 * 8 * 4
    assert not old.failures, old.failures[:10]
    assert not canonical.failures, canonical.failures[:10]
    assert canonical.first_301 == 0 or not expect_301  # a real page is never sent away by a rule
    if expect_301:
        assert old.first_301 == old.requested, "every old URL form should get the host's 301"


# --- Cloudflare Pages -------------------------------------------------------------

@pytest.fixture(scope="module")
def cloudflare(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, tuple[str, int]], dict[str, str]]]:
    wrangler = _need("wrangler")
    scratch = tmp_path_factory.mktemp("cloudflare")
    folders = _copy(built, scratch)
    first = engine_ports(2 * len(SITES))
    servers, logs = {}, {}
    with _serving([
        ([str(wrangler), "pages", "dev", str(folders[site]), "--ip", "127.0.0.1", "--port", str(first + 2 * i),
          "--inspector-port", str(first + 2 * i + 1), "--compatibility-date", COMPATIBILITY_DATE,
          "--persist-to", str(scratch / f".state-{site}")], scratch, first + 2 * i, scratch / f"{site}.log")
        for i, site in enumerate(SITES)
    ]):
        for i, site in enumerate(SITES):
            servers[site] = ("127.0.0.1", first + 2 * i)
            logs[site] = (scratch / f"{site}.log").read_text()
        yield servers, logs


def test_cloudflare_parses_every_rule_of_redirects(cloudflare, built: Path) -> None:
    # Issue 12, problem 2: with `301!` it printed "Parsed 0 valid redirect rules".
    _, logs = cloudflare
    for site, log in logs.items():
        rules = sum(1 for line in (built / site / "_redirects").read_text().splitlines() if line and not line.startswith("#"))
        assert "invalid redirect rule" not in log, log
        if rules:
            assert f"Parsed {rules} valid redirect rules" in log, log


def test_cloudflare_lands_every_url(cloudflare, cases) -> None:
    servers, _ = cloudflare
    _check("Cloudflare Pages", servers, cases, expect_301=True)


# --- Netlify ----------------------------------------------------------------------

def test_netlify_parser_accepts_our_rules_as_forced_301s(built: Path) -> None:
    """Netlify's own parser (@netlify/redirect-parser) reads netlify.toml and _redirects."""
    node = _need("node")
    script = """
import {parseAllRedirects} from '@netlify/redirect-parser';
const [toml, file] = process.argv.slice(1);
const result = await parseAllRedirects({redirectsFiles: [file], netlifyConfigPath: toml, minimal: true});
console.log(JSON.stringify({errors: result.errors.map(String), redirects: result.redirects}));
"""
    for site in SITES:
        folder = built / site
        result = subprocess.run([str(node), "--input-type=module", "-e", script, str(folder / "netlify.toml"), str(folder / "_redirects")],
                                cwd=ENGINES, env=_env(), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        parsed = json.loads(result.stdout)
        assert parsed["errors"] == []
        lines = [line.split() for line in (folder / "_redirects").read_text().splitlines() if line and not line.startswith("#")]
        from_file = [r for r in parsed["redirects"] if not r["force"]]
        forced = [r for r in parsed["redirects"] if r["force"]]
        # _redirects first (unforced, for Cloudflare), then the same rules forced from netlify.toml
        assert [(r["from"], r["to"], r["status"]) for r in from_file] == [(a, b, 301) for a, b, _ in lines]
        assert [(r["from"], r["to"], r["status"]) for r in forced] == [(a, b, 301) for a, b, _ in lines]
        assert parsed["redirects"] == from_file + forced


@pytest.fixture(scope="module")
def netlify(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, int]]]:
    cli = _need("netlify")
    _need("deno")
    scratch = tmp_path_factory.mktemp("netlify")
    folders = _copy(built, scratch)
    # What a Netlify deploy of the folder runs: the build command of its netlify.toml.
    builds = [subprocess.Popen([str(cli), "build", "--offline"], cwd=folder, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
              for folder in folders.values()]
    for build in builds:
        output = build.communicate(timeout=300)[0]
        assert build.returncode == 0, output[-3000:]
    assert not any((folder / "_redirects").exists() for folder in folders.values())
    first = engine_ports(len(SITES))
    runs = [([str(cli), "dev", "--offline", "--dir", ".", "--port", str(first + i)], folders[site], first + i, scratch / f"{site}.log")
            for i, site in enumerate(SITES)]
    with _serving(runs, one_at_a_time=True):
        yield {site: ("127.0.0.1", first + i) for i, site in enumerate(SITES)}


def test_netlify_lands_every_url(netlify, cases) -> None:
    _check("Netlify", netlify, cases, expect_301=True)


# --- GitHub Pages (our stand-in: it has no rules, so redirect pages do it all) ------

@pytest.fixture(scope="module")
def pages_stand_in(built: Path) -> Iterator[GitHubPagesServer]:
    """This module's build (by each engine) served GitHub Pages' way, a host per site."""
    with GitHubPagesServer({host: built / site for site, host in SITES.items()}) as server:
        yield server


def test_github_pages_stand_in_lands_every_url(pages_stand_in, cases) -> None:
    servers = {site: ("127.0.0.1", pages_stand_in.port) for site in SITES}
    _check("GitHub Pages stand-in", servers, cases, expect_301=False)

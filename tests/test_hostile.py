"""Issue 25: a hostile commit or cache cannot leak secrets, run code or hang.

Each test runs an attack the way a contributor whose pull request is merged (or
someone who can write the cache) would: real symlinks, FIFOs and sockets committed
into the sources, bare repositories with hooks, planted cache entries. Each attack
worked before issue 25 (the table in the issue); the YAML bomb in a site's
mkdocs.yml is a golden case (tests/cases/config-site-yaml-bomb.yml).
"""
from __future__ import annotations

import json
import os
import pickle
import re
import socket
import stat
import sys
from pathlib import Path

import pytest

from conftest import ENV, SITES, commit_all, copy_sources, edit, fixture_repo, git, run_cli, tree_snapshot

pytestmark = pytest.mark.slow  # a build per attack

SECRET = "MY_SECRET_TOKEN=ghp_issue25leak"
WG1, WG3 = "wg1-connectivity", "wg3-customer-data"
MKDOCS = Path(sys.executable).parent / "mkdocs"
# A build takes seconds; an attack that hangs the build (a FIFO) fails the test here.
HANG = 180


def files_holding(folder: Path, text: str) -> list[str]:
    """Every file under folder (not following links) whose bytes hold text."""
    found = []
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink() and text.encode() in path.read_bytes():
                found.append(str(path.relative_to(folder)))
    return found


def one_error(result, starts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {starts}"), result.stderr


# --- Sources are regular files inside the repository --------------------------------

def plant_link(repo: Path, kind: str, outside: Path) -> str:
    """Commit-able attack `kind` into repo; the path (from the root) the error names."""
    outside.mkdir(exist_ok=True)
    docs = repo / WG1 / "docs"
    if kind == "environ":
        (docs / "env.txt").symlink_to("/proc/self/environ")
        return f"{WG1}/docs/env.txt"
    if kind == "gitconfig":
        (outside / ".gitconfig").write_text(f"[credential]\n\thelper = store\n# {SECRET}\n")
        (docs / "gitconfig.txt").symlink_to(outside / ".gitconfig")
        return f"{WG1}/docs/gitconfig.txt"
    if kind == "git-config":
        git("init", "-q", cwd=repo)
        git("config", "http.extraheader", f"AUTHORIZATION: basic {SECRET}", cwd=repo)
        (docs / "config.txt").symlink_to("../../.git/config")
        return f"{WG1}/docs/config.txt"
    if kind == "keys":
        keys = outside / "keys"
        keys.mkdir()
        (keys / "id_ed25519").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n")
        (docs / "keys").symlink_to(keys)
        return f"{WG1}/docs/keys"
    if kind == "snippet":
        (outside / "secret.md").write_text(SECRET + "\n")
        (repo / "docs" / "snippets" / "leak.md").symlink_to(outside / "secret.md")
        edit(docs / "index.md", "\n", '\n\n--8<-- "leak.md"\n\n', count=1)
        return "docs/snippets/leak.md"
    raise AssertionError(kind)


LINKS = ["environ", "gitconfig", "git-config", "keys", "snippet"]


@pytest.mark.parametrize("kind", LINKS)
def test_a_link_out_of_the_sources_is_never_built(kind: str, tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    shown = plant_link(repo, kind, tmp_path / "home")
    env = {**ENV, "MY_SECRET_TOKEN": SECRET.partition("=")[2]}

    result = run_cli("build", root=repo, env=env, timeout=HANG)

    one_error(result, f"{shown}: is a symlink ")
    assert not files_holding(repo / "site", SECRET) if (repo / "site").exists() else True

    # a plain MkDocs build of the site reads through the plugin too
    plain = run_cli_mkdocs(repo, tmp_path / "plain", env)
    assert plain.returncode != 0 and f"{shown}: is a symlink " in plain.stderr, plain.stderr
    assert not (tmp_path / "plain").exists() or not files_holding(tmp_path / "plain", SECRET)


def run_cli_mkdocs(repo: Path, out: Path, env: dict):
    import subprocess

    return subprocess.run([str(MKDOCS), "build", "-q", "-f", str(repo / WG1 / "mkdocs.yml"), "-d", str(out)], capture_output=True, text=True, env=env, timeout=HANG)


def test_a_link_out_of_the_sources_is_never_published(tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    (repo / WG1 / "docs" / "env.txt").symlink_to("/proc/self/environ")
    commit_all(repo, "An innocent-looking text file")
    remotes = {site: tmp_path / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote))
    env = {**ENV, "MY_SECRET_TOKEN": SECRET.partition("=")[2]}

    result = run_cli("publish", *(f"--dest={site}={remote}" for site, remote in remotes.items()), root=repo, env=env, timeout=HANG)

    one_error(result, f"{WG1}/docs/env.txt: is a symlink that leads outside the repository")
    for remote in remotes.values():
        assert git("--git-dir", str(remote), "for-each-ref") == ""


def test_a_link_inside_the_repository_still_builds(repo: Path) -> None:
    """Links are not refused as such: one to another source of the repository is fine."""
    (repo / WG1 / "docs" / "assets" / "logo-copy.svg").symlink_to("../../../docs/assets/logo.svg")
    result = run_cli("build", root=repo)
    assert result.returncode == 0, result.stderr
    copied = repo / "site" / WG1 / "assets" / "logo-copy.svg"
    assert copied.is_file() and not copied.is_symlink()
    assert copied.read_bytes() == (repo / "docs" / "assets" / "logo.svg").read_bytes()


def plant_special(repo: Path, kind: str, keep: list) -> str:
    docs = repo / WG1 / "docs"
    if kind == "dev-zero":
        (docs / "zero.bin").symlink_to("/dev/zero")
        return f"{WG1}/docs/zero.bin: is a symlink that leads outside the repository (to /dev/zero)"
    if kind == "fifo":
        os.mkfifo(docs / "data.csv")
        return f"{WG1}/docs/data.csv: is a FIFO"
    if kind == "fifo-in-shared-docs":
        os.mkfifo(repo / "docs" / "snippets" / "notes.md")
        return "docs/snippets/notes.md: is a FIFO"
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        here = os.getcwd()
        os.chdir(docs)  # a socket's path is limited to 108 bytes; the name alone fits
        try:
            server.bind("agent.sock")
        finally:
            os.chdir(here)
        keep.append(server)
        return f"{WG1}/docs/agent.sock: is a socket"
    if kind == "fifo-as-redirects":
        (repo / "redirects.yml").unlink()
        os.mkfifo(repo / "redirects.yml")
        return "redirects.yml: is a FIFO"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "fifo-in-shared-docs", "socket", "fifo-as-redirects"])
def test_a_device_fifo_or_socket_stops_the_build_at_once(kind: str, tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    keep: list = []
    starts = plant_special(repo, kind, keep)
    try:
        result = run_cli("build", root=repo, timeout=HANG)  # hanging fails here
        one_error(result, starts)
        assert not (repo / "site").exists()
        check = run_cli("check", root=repo, timeout=HANG)
        assert check.returncode == 2 and check.stderr.startswith(f"error: {starts}"), check.stderr
    finally:
        for s in keep:
            s.close()


# --- One safe writer ------------------------------------------------------------

@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "outside.txt"
    target.write_text("the user's own file\n")
    return target


def test_new_site_never_writes_through_a_committed_link(repo: Path, outside: Path) -> None:
    (repo / ".mkdocs.yml.new").symlink_to(outside)
    result = run_cli("new", "site", "wg2-power-systems", "--host", "power.example.org", "--title", "CDSC Power Systems Working Group", root=repo)
    assert result.returncode == 0, result.stderr
    assert outside.read_text() == "the user's own file\n"
    assert not (repo / "mkdocs.yml").is_symlink() and "- wg2-power-systems" in (repo / "mkdocs.yml").read_text()
    assert [p.name for p in repo.iterdir() if p.name.startswith(".mkdocs.yml.")] == [".mkdocs.yml.new"]  # no temporary left


def test_new_spec_with_a_line_break_in_its_title_writes_nothing(repo: Path) -> None:
    before = tree_snapshot(repo)
    for title in ("T\x85x", "T\u2028x", "T\x1bx"):
        result = run_cli("new", "spec", WG1, "CDSC-WG1-04", title, root=repo)
        one_error(result, "TITLE: the title ")
    assert tree_snapshot(repo) == before


def test_check_fix_never_writes_through_a_committed_link(repo: Path, outside: Path) -> None:
    (repo / "redirects.yml.new").symlink_to(outside)
    edit(repo / f"{WG1}/specifications/cdsc-wg1-01.md", "### 1.1 Goals {#goals}", "### 1.1 Goals {#aims}")
    result = run_cli("check", "--fix", root=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert outside.read_text() == "the user's own file\n"
    redirects = repo / "redirects.yml"
    assert not redirects.is_symlink() and "/specs/cdsc-wg1-01/#goals: /specs/cdsc-wg1-01/#aims" in redirects.read_text()


def test_publish_records_without_writing_through_a_committed_link(tmp_path: Path, outside: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    (repo / ".published-urls.yml.new").symlink_to(outside)
    page = repo / WG1 / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\n## A new section {#a-new-section}\n\nText.\n")  # something new goes live
    commit_all(repo, "A new section")
    remotes = {site: tmp_path / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote))

    # --record: a --dest elsewhere than production records nothing unless asked (issue 24)
    result = run_cli("publish", "--record", *(f"--dest={site}={remote}" for site, remote in remotes.items()), root=repo)

    assert result.returncode == 0, result.stderr
    assert outside.read_text() == "the user's own file\n"
    inventory = repo / "published-urls.yml"
    assert not inventory.is_symlink() and "a-new-section" in inventory.read_text()
    mode = git("ls-files", "-s", "--", "published-urls.yml", cwd=repo).split()[0]
    assert mode == "100644"


def test_mv_never_writes_through_a_committed_link(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    docs = repo / WG3 / "docs"
    (docs / "lnk").symlink_to(elsewhere)
    result = run_cli("mv", f"{WG3}/docs/use-cases.md", f"{WG3}/docs/lnk/use-cases.md", root=repo)
    one_error(result, f"{WG3}/docs/lnk: is a symlink that leads outside the repository")
    assert list(elsewhere.iterdir()) == [] and (docs / "use-cases.md").is_file()

    # a link that stays inside the repository is no way around it
    (docs / "lnk").unlink()
    (docs / "lnk").symlink_to("../specifications")
    before = tree_snapshot(repo)
    inside = run_cli("mv", f"{WG3}/docs/use-cases.md", f"{WG3}/docs/lnk/use-cases.md", root=repo)
    one_error(inside, f"{WG3}/docs/lnk: is a symlink, and {WG3}/docs/lnk/use-cases.md would be written through it")
    assert tree_snapshot(repo) == before


def test_the_writer_writes_all_or_none(tmp_path: Path, outside: Path) -> None:
    from specsites.errors import SpecSitesError
    from specsites.machinery.safe_write import write_files

    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (root / "a" / "kept.txt").write_text("old\n")
    (root / "link.txt").symlink_to(outside)
    with pytest.raises(SpecSitesError) as refused:
        write_files(root, {root / "a" / "kept.txt": "new\n", root / "b" / "made.txt": "new\n", root / "link.txt": "new\n"})
    assert str(refused.value) == "link.txt: is a symlink, and the tool never writes through one; delete the link"
    assert (root / "a" / "kept.txt").read_text() == "old\n" and not (root / "b").exists()
    assert outside.read_text() == "the user's own file\n"

    write_files(root, {root / "a" / "kept.txt": "new\n", root / "b" / "made.txt": "new\n"})
    assert (root / "a" / "kept.txt").read_text() == (root / "b" / "made.txt").read_text() == "new\n"
    assert sorted(p.name for p in (root / "a").iterdir()) == ["kept.txt"]  # no temporary or backup left


# --- Caches that cannot be planted --------------------------------------------------

class _RunsCommand:
    """What an attacker pickles: loading it runs a shell command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_a_planted_pickle_never_runs(tmp_path: Path) -> None:
    repo = fixture_repo(tmp_path / "repo")
    cache = tmp_path / "cache"
    env = {**ENV, "SPECSITES_CACHE_DIR": str(cache)}
    assert run_cli("build", root=repo, env=env).returncode == 0
    kept = sorted((cache / "parsed").glob("*.pickle"))
    assert kept, "the build keeps its plan"
    marker = tmp_path / "ran"
    for entry in kept:  # the attacker replaces every entry under its own name
        entry.write_bytes(pickle.dumps(_RunsCommand(f"touch {marker}")))

    result = run_cli("build", root=repo, env=env)

    assert not marker.exists()
    assert result.returncode == 0, result.stderr


def test_a_planted_version_page_never_reaches_a_site(tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    commit_all(repo, "The sources")
    git("tag", "cdsc-wg1-01/2024-06-27", cwd=repo)
    cache = tmp_path / "cache"
    env = {**ENV, "SPECSITES_CACHE_DIR": str(cache)}
    assert run_cli("build", root=repo, env=env).returncode == 0
    entries = sorted((cache / "versions").rglob("*.json"))
    assert entries, "the build keeps its version pages"
    for entry in entries:  # planted as plain JSON, under the names the build looks up
        data = entry.read_bytes()
        try:
            page = json.loads(data)  # before issue 25: plain JSON
        except ValueError:
            page = json.loads(data[32:])  # an HMAC, then the JSON
        page["html"] = page["html"].replace("</body>", "<script>planted()</script></body>")
        entry.write_text(json.dumps(page))

    result = run_cli("build", root=repo, env=env)

    assert result.returncode == 0, result.stderr
    assert (repo / "site" / WG1 / "specs" / "cdsc-wg1-01" / "2024-06-27.html").is_file()
    assert files_holding(repo / "site", "planted()") == []


def test_a_cache_others_may_write_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specsites.machinery import parsed_cache

    monkeypatch.setenv("SPECSITES_CACHE_DIR", str(tmp_path / "cache"))
    computed = []

    def compute() -> str:
        computed.append(1)
        return "value"

    assert parsed_cache.cached("test", (b"input",), compute) == "value"
    assert parsed_cache.cached("test", (b"input",), compute) == "value"
    assert len(computed) == 1  # kept
    folder = parsed_cache.cache_dir()
    folder.chmod(0o777)  # a folder anyone may write to: its entries could be anyone's
    assert parsed_cache.cached("test", (b"input",), compute) == "value"
    assert len(computed) == 2
    folder.chmod(0o700)
    entry = next(folder.glob("test-*.pickle"))
    entry.chmod(0o666)
    assert parsed_cache.cached("test", (b"input",), compute) == "value"
    assert len(computed) == 3
    assert stat.S_IMODE(next(folder.glob("test-*.pickle")).stat().st_mode) == 0o600


def test_the_cache_key_is_private_and_outside_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specsites.machinery import cache_files

    monkeypatch.setenv("SPECSITES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SPECSITES_CACHE_KEY_FILE", str(tmp_path / "config" / "cache-key"))
    key = cache_files.cache_key()
    assert key and len(key) >= 32
    assert stat.S_IMODE((tmp_path / "config" / "cache-key").stat().st_mode) == 0o600
    assert not (tmp_path / "cache" / "cache-key").exists()
    # an entry written with another key is not authentic
    path = tmp_path / "cache" / "versions" / "ab" / "x.json"
    assert cache_files.write_entry(tmp_path / "cache", path, b'{"html": "ok"}')
    assert cache_files.read_entry(tmp_path / "cache", path) == b'{"html": "ok"}'
    data = path.read_bytes()
    path.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    assert cache_files.read_entry(tmp_path / "cache", path) is None


# --- Configured destinations cannot run code ---------------------------------------

HOOKS = ("pre-receive", "update", "post-receive", "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc")


def hooked_repository(path: Path, marker: Path) -> Path:
    """A bare repository whose every push hook leaves a marker (and would exfiltrate
    the publisher's environment)."""
    git("init", "-q", "--bare", str(path))
    for hook in HOOKS:
        script = path / "hooks" / hook
        script.write_text(f"#!/bin/sh\nenv > {marker}.{hook}\n")
        script.chmod(0o755)
    return path


def markers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("ran."))


def test_a_destination_committed_in_the_tree_is_refused(tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    hooked_repository(repo / "evil.git", tmp_path / "ran")
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("remote: https://github.com/carbon-data-specification/Connectivity.git", "remote: evil.git"))
    commit_all(repo, "Publish somewhere else")
    wg3 = tmp_path / "wg3.git"
    git("init", "-q", "--bare", str(wg3))

    result = run_cli("publish", f"--dest={WG3}={wg3}", root=repo)

    line = next(n for n, text in enumerate(config.read_text().splitlines(), 1) if "evil.git" in text)
    one_error(result, f"mkdocs.yml:{line}: destinations: {WG1}: remote 'evil.git' is a folder inside this repository")
    assert markers(tmp_path) == []
    assert git("--git-dir", str(wg3), "for-each-ref") == ""


@pytest.mark.parametrize("form", ["path", "file-url"])
def test_a_push_to_a_local_repository_runs_none_of_its_hooks(form: str, tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    commit_all(repo, "The sources")
    remotes = {site: hooked_repository(tmp_path / f"{site}.git", tmp_path / "ran") for site in SITES}
    given = {site: (str(r) if form == "path" else f"file://{r}") for site, r in remotes.items()}

    result = run_cli("publish", *(f"--dest={site}={remote}" for site, remote in given.items()), root=repo)

    assert result.returncode == 0, result.stderr
    for remote in remotes.values():
        assert git("--git-dir", str(remote), "rev-parse", "--verify", "gh-pages")  # pushed
    assert markers(tmp_path) == []


def test_new_site_remote_is_validated_like_a_destination(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    before = tree_snapshot(repo)
    for remote, says in [
        ("-x", "would be read by git as an option"),
        (f"--upload-pack=touch {marker}", "would be read by git as an option"),
        ("~", "is not a URL (https://, ssh://, git://, file://), user@host:path or an existing local path"),
        (f"ext::sh -c touch% {marker}", "names a git remote helper"),
        ("docs", "is a folder inside this repository"),
    ]:
        result = run_cli("new", "site", "wg2-power-systems", "--host", "power.example.org", "--title", "CDSC Power Systems Working Group", f"--remote={remote}", root=repo)
        one_error(result, f"--remote: remote {remote!r} ")
        assert says in result.stderr, result.stderr
    assert tree_snapshot(repo) == before and not marker.exists()

    good = run_cli("new", "site", "wg2-power-systems", "--host", "power.example.org", "--title", "CDSC Power Systems Working Group", "--remote", "https://github.com/carbon-data-specification/Power-Systems.git", root=repo)
    assert good.returncode == 0, good.stderr
    assert run_cli("build", root=repo).returncode == 0


# --- Publish commits only regular files -----------------------------------------------

def test_publish_refuses_an_output_holding_a_link(tmp_path: Path, outside: Path) -> None:
    """What a plugin (or anything else) leaves in the output: a link is never committed."""
    from specsites.commands.publish import not_regular_files

    out = tmp_path / "out"
    (out / WG1 / "assets").mkdir(parents=True)
    (out / WG1 / "index.html").write_text("<p>home</p>")
    (out / WG1 / "assets" / "secret.txt").symlink_to(outside)
    os.mkfifo(out / WG1 / "pipe")
    problems = [str(p) for p in not_regular_files(out, [WG1])]
    assert problems == [
        f"{WG1}/assets/secret.txt: in the built output is a symlink; publish commits regular files only, never a link: remove the link from the sources",
        f"{WG1}/pipe: in the built output is not a regular file; publish commits regular files only, never a link: remove the link from the sources",
    ]


# --- Held before issue 25, and kept: the preview's paths and requests, TLS ------------

TRAVERSALS = [
    "/../mkdocs.yml", "/../../mkdocs.yml", "/%2e%2e/mkdocs.yml", "/%2E%2E/%2E%2E/mkdocs.yml", "/..%2fmkdocs.yml",
    "/..%2F..%2Fmkdocs.yml", "/%2e%2e%2f%2e%2e%2fmkdocs.yml", "/....//....//mkdocs.yml", "/..\\..\\mkdocs.yml",
    "/..%5c..%5cmkdocs.yml", "/%252e%252e/mkdocs.yml", "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd%00.html",
    "/assets/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/.%2e/.%2e/etc/passwd",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "/..;/..;/etc/passwd", "/./.././../etc/passwd", "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
]


def raw_request(port: int, request: bytes) -> bytes:
    """What the server answers to exactly these bytes (no client normalises the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_the_preview_serves_nothing_outside_a_site(repo: Path, tmp_path: Path) -> None:
    from test_preview import Preview

    (tmp_path / "server").mkdir()
    preview = Preview(repo, tmp_path / "server")
    try:
        preview.wait_for(lambda: all("<h1" in preview.get(site) for site in SITES), "both sites to be served")
        port = preview.port(WG1)
        assert len(TRAVERSALS) == 21
        for path in TRAVERSALS:
            answer = raw_request(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            status = int(answer.split(b" ", 2)[1])
            assert status in (400, 404), (path, answer[:200])
            assert b"specsites:" not in answer and b"root:x:0:0" not in answer, path
        # malformed requests get an error or a closed connection, and the server goes on
        for request in [b"GET\r\n\r\n", b"\x00\x01\x02\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", b"BREW / HTTP/1.1\r\n\r\n"]:
            answer = raw_request(port, request)
            refused = re.match(rb"HTTP/1\.\d [45]\d\d ", answer) or re.search(rb"Error code: [45]\d\d", answer)  # the latter: an HTTP/0.9 answer
            assert answer == b"" or refused, answer[:200]
        assert "<h1" in preview.get(WG1)
        assert not any("Traceback" in line for line in preview.lines), "\n".join(preview.lines)
    finally:
        if preview.process.poll() is None:
            preview.stop()


def test_the_live_check_verifies_certificates(tmp_path: Path) -> None:
    """An https server with a certificate no authority signed is no answer, not a page."""
    import http.server
    import ssl
    import subprocess
    import threading

    from specsites.checks.follow import NO_ANSWER
    from specsites.checks.http_fetch import HttpFetch

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    (tmp_path / "index.html").write_text("<html><body><h1 id='x'>x</h1></body></html>")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with HttpFetch(timeout=10) as fetch:
            answer = fetch(f"https://127.0.0.1:{server.server_address[1]}/index.html")
        assert answer.status == NO_ANSWER and "CERTIFICATE_VERIFY_FAILED" in answer.location, answer
    finally:
        server.shutdown()


@pytest.mark.parametrize("setting", ["INHERIT: /proc/self/environ", "docs_dir: ../../home", "hooks:\n  - evil.py"])
def test_a_site_config_cannot_lead_mkdocs_out_of_the_repository_or_run_hooks(setting: str, tmp_path: Path) -> None:
    repo = copy_sources(tmp_path / "repo")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "index.md").write_text(f"# {SECRET}\n")
    marker = tmp_path / "ran"
    (repo / WG1 / "evil.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    config = repo / WG1 / "mkdocs.yml"
    text = config.read_text()
    config.write_text(text.replace("INHERIT: ../mkdocs.yml\n", "") + setting + "\n" if setting.startswith("INHERIT") else text + setting + "\n")
    key = setting.split(":")[0]
    line = next(n for n, t in enumerate(config.read_text().splitlines(), 1) if t.startswith(key))

    result = run_cli("build", root=repo, env={**ENV, "MY_SECRET_TOKEN": "x"}, timeout=HANG)

    one_error(result, f"{WG1}/mkdocs.yml:{line}: {key}: ")
    assert not marker.exists()
    assert not (repo / "site").exists()

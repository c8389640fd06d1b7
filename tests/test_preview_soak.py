"""Issue 15: the preview under an afternoon's use, compressed: a few browsers' worth of
requests while edits land, some of them broken.

Bounded by count, not time: REQUESTS requests from CLIENTS concurrent clients while
EDITS edits land (about 35 s; SPECSITES_SOAK_REQUESTS / _EDITS for a longer run by
hand; a run's figures are in the README's Preview section). Checks: no traceback,
every answer complete and either the last good build or a newer one (never a broken
edit, never older than what the same client saw before), and the serving processes'
memory and open files flat.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import threading
from pathlib import Path

import pytest

from conftest import SITES
from test_preview import Preview

pytestmark = pytest.mark.slow  # a soak: 2,000 requests while 20 edits land

REQUESTS = int(os.environ.get("SPECSITES_SOAK_REQUESTS", "2000"))
EDITS = int(os.environ.get("SPECSITES_SOAK_EDITS", "20"))
CLIENTS = 4
WARM_UP = 200  # requests, and one edit of each kind, before memory is first measured

PAGE = "/use-cases.html"
MARKER = re.compile(rb"<h1[^>]*>Use Cases (Soak|Broken)-(\d+)")
PATHS = [PAGE, "/specs/cdsc-wg1-01/", "/", "/search/search_index.json", "/specs/cdsc-wg1-01.html", "/use-cases", "/no-such-page"]


def processes(pid: int) -> list[int]:
    """The process and its children (one serving process per site)."""
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return found


def usage(pid: int) -> tuple[int, int]:
    """(resident memory in kB, open file descriptors) of the preview's processes."""
    rss = fds = 0
    for each in processes(pid):
        status = Path(f"/proc/{each}/status").read_text()
        rss += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        fds += len(os.listdir(f"/proc/{each}/fd"))
    return rss, fds


class Soak:
    def __init__(self, preview: Preview, repo: Path) -> None:
        self.preview = preview
        self.port = preview.port("wg1-connectivity")
        self.page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
        self.spec = repo / "wg1-connectivity" / "specifications" / "cdsc-wg1-01.md"
        self.config = repo / "wg1-connectivity" / "mkdocs.yml"
        self.original = {p: p.read_text() for p in (self.page, self.spec, self.config)}
        self.tokens = threading.Semaphore(0)
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.count = 0
        self.errors: list[str] = []
        self.good = 0  # the newest good edit of the page made so far
        self.broken: set[int] = set()

    def client(self) -> None:
        seen = 0  # the newest edit of the page this client was served
        index = 0
        while True:
            if not self.tokens.acquire(timeout=0.2):
                if self.done.is_set():
                    return
                continue
            path = PATHS[index % len(PATHS)]
            index += 1
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                connection.request("GET", path)
                response = connection.getresponse()
                status, body = response.status, response.read()
                connection.close()
            except OSError as e:
                self.fail(f"{path}: {e!r}")
                continue
            with self.lock:
                self.count += 1
            seen = self.verify(path, status, body, seen)

    def verify(self, path: str, status: int, body: bytes, seen: int) -> int:
        expected = 404 if path == "/no-such-page" else 200
        if status != expected:
            self.fail(f"{path}: status {status}")
        elif path.endswith(".json"):
            try:
                if len(json.loads(body)["docs"]) < 50:
                    self.fail(f"{path}: the search index lost pages")
            except ValueError:
                self.fail(f"{path}: incomplete JSON ({len(body)} bytes)")
        elif b"</html>" not in body:
            self.fail(f"{path}: incomplete page ({len(body)} bytes)")
        if path == PAGE and status == 200:
            match = MARKER.search(body)
            number = int(match.group(2)) if match else 0
            if match and match.group(1) == b"Broken":
                self.fail(f"{path}: served broken edit {number}")
            elif number < seen:
                self.fail(f"{path}: served edit {number} after edit {seen}")
            seen = max(seen, number)
        return seen

    def fail(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def edit(self, number: int) -> None:
        """Edit number: a page edit, a broken page edit, a spec edit or (every tenth)
        a config edit, which rebuilds the site afresh; returns once it is served or
        reported."""
        preview = self.preview
        kind = "config" if number % 10 == 0 else ("page", "broken", "spec")[number % 3]
        if kind == "broken":
            before = sum("nowhere.md" in line for line in preview.lines)
            self.page.write_text(self.original[self.page].replace("# Use Cases", f"# Use Cases Broken-{number}", 1) + "\n[gone](nowhere.md)\n")
            preview.wait_for(lambda: sum("nowhere.md" in line for line in preview.lines) > before, f"broken edit {number} to be reported")
            return
        if kind == "page" or kind == "config":
            self.page.write_text(self.original[self.page].replace("# Use Cases", f"# Use Cases Soak-{number}", 1))
        if kind == "spec":
            self.spec.write_text(self.original[self.spec] + f"\nSoak-spec-{number} paragraph.\n")
        if kind == "config":
            self.config.write_text(self.original[self.config] + f"# soak {number}\n")
        target = "/specs/cdsc-wg1-01/" if kind == "spec" else PAGE
        marker = f"Soak-spec-{number}" if kind == "spec" else f"Use Cases Soak-{number}"
        preview.wait_for(lambda: marker in preview.get("wg1-connectivity", target.lstrip("/")), f"{kind} edit {number} to be served")

    def run(self, first: int, edits: int, requests: int) -> None:
        clients = [threading.Thread(target=self.client) for _ in range(CLIENTS)]
        for thread in clients:
            thread.start()
        share = requests // edits
        try:
            for number in range(first, first + edits):
                self.tokens.release(share + (requests - share * edits if number == first + edits - 1 else 0))
                self.edit(number)
        finally:
            self.done.set()
            for thread in clients:
                thread.join(timeout=120)


@pytest.fixture
def preview(repo: Path, tmp_path: Path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = Preview(repo, tmpdir)
    server.wait_for(lambda: all("<h1" in server.get(site) for site in SITES), "both sites to be served", timeout=120)
    yield server
    if server.process.poll() is None:
        server.stop()


def test_preview_soak(preview: Preview, repo: Path) -> None:
    warm = Soak(preview, repo)
    warm.run(1, 3, WARM_UP)  # a page edit, a broken one, a spec edit: every code path loaded
    assert warm.errors == [] and warm.count == WARM_UP
    before = usage(preview.process.pid)

    soak = Soak(preview, repo)
    soak.run(10, EDITS, REQUESTS)  # starts with a config edit: a full rebuild and swap
    after = usage(preview.process.pid)
    figures = f"{soak.count} requests, {len(soak.errors)} errors, RSS {before[0]} -> {after[0]} kB, fds {before[1]} -> {after[1]}"
    print(figures)
    assert soak.count == REQUESTS, figures
    assert soak.errors == [], "\n".join(soak.errors[:20])
    assert not [line for line in preview.lines if "Traceback" in line or "Exception" in line], "\n".join(preview.lines)
    assert after[1] <= before[1] + CLIENTS, figures  # at most the clients' connections still closing
    assert after[0] <= before[0] * 1.15, figures

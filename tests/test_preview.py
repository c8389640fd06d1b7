"""Issue 5: `specsites serve` previews every site, rebuilds on edits, survives errors."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ENV, SITES, fixture_repo, listening_ports
from http_follow import follow
from specsites.checks.http_fetch import HttpFetch
from specsites.checks.page_html import parse_page

pytestmark = pytest.mark.slow  # a preview server each, rebuilt on edits


class Preview:
    """A preview server in a subprocess (`specsites serve --port 0`, each site on a port
    the OS picks, unless told otherwise), its output collected as it comes."""

    def __init__(self, root: Path, tmpdir: Path, command: list[str] | None = None) -> None:
        self.tmpdir = tmpdir  # the server's temporary folders go here
        command = command or [sys.executable, "-m", "specsites", "--root", str(root), "serve", "--port", "0"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**ENV, "TMPDIR": str(tmpdir)},
        )
        self.lines: list[str] = []
        self.urls: dict[str, str] = {}  # site -> URL, as announced
        self.announced = threading.Event()  # every URL announced: the line after them came
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if match := re.fullmatch(r"serving (\S+) +at (http://127\.0\.0\.1:\d+/)", line):
                self.urls[match.group(1)] = match.group(2)
            elif self.urls:
                self.announced.set()
        self.announced.set()  # it ended: url() says so

    def url(self, site: str, path: str = "") -> str:
        assert self.announced.wait(timeout=120) and site in self.urls, "no URL announced for " + site + ":\n" + "\n".join(self.lines)
        return self.urls[site] + path

    def port(self, site: str) -> int:
        return int(self.url(site).rsplit(":", 1)[1].rstrip("/"))

    def get(self, site: str, path: str = "") -> str:
        with urllib.request.urlopen(self.url(site, path), timeout=10) as response:
            return response.read().decode()

    def wait_for(self, condition, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except OSError:
                pass
            assert self.process.poll() is None, "\n".join(self.lines)
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; output:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture
def preview(repo: Path, tmp_path: Path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = Preview(repo, tmpdir)
    server.wait_for(lambda: all("<h1" in server.get(site) for site in SITES), "both sites to be served")
    yield server
    if server.process.poll() is None:
        server.stop()


def test_preview_rebuilds_links_across_sites_and_survives_a_broken_map(preview: Preview, repo: Path) -> None:
    assert preview.lines[:2] == [f"serving {site:<20} at {preview.url(site)}" for site in SITES]
    assert "not-in-scope" in preview.get("wg3-customer-data", "use-cases")  # GitHub Pages' /x form

    spec = repo / "wg1-connectivity" / "specifications" / "cdsc-wg1-01.md"
    spec.write_text(spec.read_text().replace("## ", "## Edited-heading-marker ", 1))
    preview.wait_for(lambda: "Edited-heading-marker" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/"), "the spec edit")

    # an old Customer Data URL lands on the local Connectivity preview, not production
    with HttpFetch(internal=lambda url: url.startswith("http://127.0.0.1:")) as fetch:
        landing = follow(preview.url("wg3-customer-data", "specs/cdsc-wg1-01/overview#other-drafts"), fetch)
    assert landing.url == preview.url("wg1-connectivity", "specs/cdsc-wg1-01/overview.html#other-drafts")
    assert "other-drafts" in landing.ids

    redirects = repo / "redirects.yml"
    good = redirects.read_text()
    redirects.write_text(good + "wg9-unknown:\n  /a: /b\n")
    preview.wait_for(lambda: sum("unknown site 'wg9-unknown'" in line for line in preview.lines) == 2, "both sites to report the error")
    assert "wg3-customer-data: rebuild failed; still serving the last good build" in preview.lines
    assert "Edited-heading-marker" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/")  # last good build

    redirects.write_text(good)
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text().replace("# ", "# Recovered-marker ", 1))
    preview.wait_for(lambda: "Recovered-marker" in preview.get("wg3-customer-data", "use-cases.html"), "recovery without a restart")

    assert len(list(preview.tmpdir.glob("specsites-serve-*"))) == 2  # one build folder per site
    assert preview.stop() == 0
    assert preview.lines[-1] == "stopped"
    # stopping cleaned up; what stays is Jinja's compiled-template cache, kept on purpose
    assert [p.name for p in preview.tmpdir.iterdir()] == [f"_jinja2-cache-{os.getuid()}"]


def test_only_the_edited_site_rebuilds(preview: Preview, repo: Path) -> None:
    before = len(preview.lines)
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    preview.wait_for(lambda: "wg3-customer-data: built in" in " ".join(preview.lines[before:]), "the edit's rebuild")
    assert "One more line." in preview.get("wg3-customer-data", "use-cases.html")
    # No waiting for nothing to happen: an edit of the other site's own, made now, is
    # answered only once its watcher has looked at the files since the first edit. Had
    # it watched wg3's page, that look would have rebuilt it afresh (an edit outside
    # its pages), which its own page edit never does: it re-renders in place.
    other = repo / "wg1-connectivity" / "docs" / "use-cases.md"
    other.write_text(other.read_text() + "\nSync-marker line.\n")
    preview.wait_for(lambda: "Sync-marker" in preview.get("wg1-connectivity", "use-cases.html")
                     and "wg1-connectivity: built in" in " ".join(preview.lines[before:]), "the other site's own edit")
    rebuilt = [line.split(":")[0] for line in preview.lines[before:] if "built in" in line]
    assert rebuilt == ["wg3-customer-data", "wg1-connectivity"]
    assert [p.name for p in preview.tmpdir.glob("specsites-serve-wg1-connectivity-*/build-*")] == ["build-1"]


def test_files_the_build_does_not_read_rebuild_nothing(preview: Preview, repo: Path) -> None:
    """Issue 28: another tool's output, a cache or a stray file in a site's folder made
    the preview rebuild the whole site afresh (17 to 34 s a time on 1,000 pages)."""
    before = len(preview.lines)
    # a plain `mkdocs build` of a site writes its output into the site's folder
    plain = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / "wg1-connectivity" / "mkdocs.yml")],
                           capture_output=True, text=True, env=ENV, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert (repo / "wg1-connectivity" / "site" / "index.html").is_file()
    for stray in ("wg1-connectivity/.cache/state.json", "wg3-customer-data/notes.txt", "wg3-customer-data/site/x.html", "stray.txt", "site/index.html"):
        (repo / stray).parent.mkdir(parents=True, exist_ok=True)
        (repo / stray).write_text("not an input\n")
    # No waiting for nothing to happen: each site's watcher sees the events in order,
    # so the page edits made now are answered after the files above were seen. A
    # rebuild for those files would be a fresh build (files came), never the in-place
    # re-render a page edit alone gets, and would show as a second build folder.
    for site in SITES:
        page = repo / site / "docs" / "use-cases.md"
        page.write_text(page.read_text() + f"\nAfter-stray-files in {site}.\n")
    for site in SITES:
        preview.wait_for(lambda: f"After-stray-files in {site}" in preview.get(site, "use-cases.html")
                         and f"{site}: built in" in " ".join(preview.lines[before:]), f"{site}'s page edit")
    rebuilt = sorted(line.split(":")[0] for line in preview.lines[before:] if "built in" in line)
    assert rebuilt == sorted(SITES), "\n".join(preview.lines[before:])
    for site in SITES:
        assert [p.name for p in preview.tmpdir.glob(f"specsites-serve-{site}-*/build-*")] == ["build-1"], site


def test_a_site_s_first_spec_is_seen(tmp_path: Path) -> None:
    """A folder the build reads that did not exist when the preview started is watched
    once it appears (a site's first spec creates its specifications/)."""
    root = fixture_repo(tmp_path / "repo")
    assert not (root / "gamma" / "specifications").exists()
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    preview = Preview(root, tmpdir)
    try:
        preview.wait_for(lambda: "Gamma" in preview.get("gamma"), "the fixture's sites to be served")
        (root / "gamma" / "specifications").mkdir()
        time.sleep(0.3)  # the watcher looks at the new, empty folder before the file comes
        (root / "gamma" / "specifications" / "cdsc-wg7-01.md").write_text(
            "---\nid: CDSC-WG7-01\ntitle: Gamma First\nstatus: Draft\nworking_group: Gamma\n"
            "editors: [Gamma editors]\ndate: 2024-06-27\n---\n# Gamma First\n\nFirst-spec-marker.\n"
        )
        preview.wait_for(lambda: "First-spec-marker" in preview.get("gamma", "specs/cdsc-wg7-01/"), "the first spec to be served")
    finally:
        preview.stop()


def test_browser_sees_the_banner_and_reloads_on_edit(preview: Preview, repo: Path, chromium) -> None:
    browser = chromium()
    try:
        page = browser.new_page()
        page.goto(preview.url("wg1-connectivity", "use-cases.html"))
        assert page.locator("#specsites-banner").is_visible()
        source = repo / "wg1-connectivity" / "docs" / "use-cases.md"
        source.write_text(source.read_text().replace("# ", "# Live-reload-marker ", 1))
        page.locator("h1", has_text="Live-reload-marker").wait_for(timeout=20_000)  # no reload by the test
    finally:
        browser.close()


def test_broken_link_in_an_edited_page_keeps_the_last_good_page(preview: Preview, repo: Path) -> None:
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    good = page.read_text()
    page.write_text(good.replace("# ", "# Broken-edit-marker ", 1) + "\n[gone](no-such-page.md)\n")
    preview.wait_for(lambda: any("no-such-page.md" in line for line in preview.lines), "the broken link to be reported")
    assert "Broken-edit-marker" not in preview.get("wg3-customer-data", "use-cases.html")
    page.write_text(good.replace("# ", "# Fixed-edit-marker ", 1))
    preview.wait_for(lambda: "Fixed-edit-marker" in preview.get("wg3-customer-data", "use-cases.html"), "the fix")


def test_plain_mkdocs_serve_serves_a_site_with_its_redirects(repo: Path, tmp_path: Path) -> None:
    config = repo / "wg3-customer-data" / "mkdocs.yml"
    # Port 0: the OS picks it; MkDocs announces ":0", so the port is read back from the OS.
    server = Preview(repo, tmp_path, [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", "127.0.0.1:0"])
    try:
        server.wait_for(lambda: listening_ports(server.process.pid), "mkdocs serve to listen")
        [port] = listening_ports(server.process.pid)
        url = f"http://127.0.0.1:{port}/"
        server.wait_for(lambda: "<h1" in urllib.request.urlopen(url + "use-cases.html", timeout=5).read().decode(), "mkdocs serve")
        assert parse_page(urllib.request.urlopen(url + "specs/cdsc-wg1-03/", timeout=5).read().decode()).script_to == "/specs/cdsc-wg3-01/"
        assert any("Watching paths for changes" in line and "redirects.yml" in line for line in server.lines)
    finally:
        server.stop()


def nav_of(html: str) -> str:
    """The primary navigation of a page, as served (with the page's own contents)."""
    start = html.index('<nav class="md-nav md-nav--primary"')
    return html[start:html.index('<div class="md-content"', start)]


def test_a_page_only_rebuild_keeps_the_navigation(preview: Preview, repo: Path, chromium) -> None:
    """Issue 15: after an in-place re-render the nav showed "None" for untitled entries."""
    full = {path: nav_of(preview.get("wg1-connectivity", path)) for path in ("use-cases.html", "specs/cdsc-wg1-01/")}
    assert ">Specifications<" in full["use-cases.html"].replace("\n", "").replace(" ", "")
    page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nNav-marker paragraph.\n")
    preview.wait_for(lambda: "Nav-marker" in preview.get("wg1-connectivity", "use-cases.html"), "the page-only rebuild")
    spec = repo / "wg1-connectivity" / "specifications" / "cdsc-wg1-01.md"
    spec.write_text(spec.read_text() + "\nSpec-nav-marker paragraph.\n")
    preview.wait_for(lambda: "Spec-nav-marker" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/"), "the spec's rebuild")
    # both re-rendered in place: the first full build is still the one served
    assert [p.name for p in preview.tmpdir.glob("specsites-serve-wg1-connectivity-*/build-*")] == ["build-1"]
    for path, nav in full.items():
        assert nav_of(preview.get("wg1-connectivity", path)) == nav, path

    browser = chromium()
    try:
        tab = browser.new_page()
        tab.goto(preview.url("wg1-connectivity", "use-cases.html"))
        labels = tab.locator("nav.md-nav--primary .md-nav__link").all_inner_texts()
        assert "Specifications" in labels and "None" not in labels, labels
    finally:
        browser.close()


def test_a_taken_port_stops_the_preview_before_it_announces_anything(repo: Path, tmp_path: Path) -> None:
    """Issue 15: it announced a URL that another process was serving, and kept running."""
    for _ in range(5):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))  # the second site's port, from the OS
            taken.listen()
            port = taken.getsockname()[1] - 1  # the first site's
            result = subprocess.run(
                [sys.executable, "-m", "specsites", "--root", str(repo), "serve", "--port", str(port)],
                capture_output=True, text=True, env={**ENV, "TMPDIR": str(tmp_path)}, timeout=120,
            )
        if f"127.0.0.1:{port} " not in result.stderr:
            break  # else another program held the first port too: try another pair
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: --port: cannot listen on 127.0.0.1:{port + 1} for wg3-customer-data (Address already in use); stop what uses it or pick another --port"
    ]
    with socket.socket() as first:
        first.bind(("127.0.0.1", port))  # the first port was let go too


def test_head_is_answered_like_get(preview: Preview) -> None:
    url = preview.url("wg1-connectivity", "use-cases.html")
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
        assert response.status == 200 and response.read() == b""
        length = int(response.headers["Content-Length"])
    assert length == len(preview.get("wg1-connectivity", "use-cases.html").encode())
    missing = urllib.request.Request(preview.url("wg1-connectivity", "no-such-page"), method="HEAD")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(missing, timeout=10)
    assert answer.value.code == 404 and answer.value.read() == b""


def hang_up_early(port: int, path: str) -> None:
    """A client that sends its request and drops the connection at once (a closed tab)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not FIN
        client.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


def test_clients_that_hang_up_leave_no_tracebacks(preview: Preview, repo: Path) -> None:
    port = preview.port("wg1-connectivity")
    for _ in range(30):
        hang_up_early(port, "/specs/cdsc-wg1-01/")
        hang_up_early(port, "/search/search_index.json")
    # an open tab's long poll, then the tab closes while the page is rebuilt
    with socket.create_connection(("127.0.0.1", port), timeout=10) as poll:
        poll.sendall(b"GET /.specsites/reload?epoch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        poll.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    page = repo / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text().replace("# ", "# After-hangups ", 1))
    preview.wait_for(lambda: "After-hangups" in preview.get("wg1-connectivity", "use-cases.html"), "the rebuild")
    assert "<h1" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/")
    assert not [line for line in preview.lines if "Traceback" in line or "Error" in line], "\n".join(preview.lines)


def test_a_same_page_anchor_warning_names_the_spec_source_line(preview: Preview, repo: Path) -> None:
    spec = repo / "wg1-connectivity" / "specifications" / "cdsc-wg1-01.md"
    lines = spec.read_text().splitlines()
    lines.insert(20, "See [client processing](#client-procesing).")
    spec.write_text("\n".join(lines) + "\n")
    expected = (
        "wg1-connectivity: error: wg1-connectivity/specifications/cdsc-wg1-01.md:21: the link '#client-procesing' "
        "names no section of this page; did you mean #client-processing?"
    )
    preview.wait_for(lambda: expected in preview.lines, "the warning, rewritten")
    assert not any("Doc file" in line for line in preview.lines)


def test_a_site_listed_while_serving_is_served_and_linked_without_a_restart(preview: Preview, repo: Path) -> None:
    base = repo / "mkdocs.yml"
    listed_before = base.read_text()
    new = subprocess.run(
        [sys.executable, "-m", "specsites", "--root", str(repo), "new", "site", "wg2-power-systems",
         "--host", "powersystems.carbondataspec.org", "--title", "CDSC Power Systems Working Group"],
        capture_output=True, text=True, env=ENV,
    )
    assert new.returncode == 0, new.stderr
    preview.wait_for(lambda: any(line.startswith("serving wg2-power-systems") for line in preview.lines), "the new site to be announced")
    announced = next(line for line in preview.lines if line.startswith("serving wg2-power-systems"))
    url = announced.split(" at ")[1]
    assert url not in [preview.url(site) for site in SITES]  # a port of its own (--port 0: the OS picked it)
    preview.wait_for(lambda: "CDSC Power Systems Working Group" in urllib.request.urlopen(url, timeout=10).read().decode(), "the new site's home page")
    # the sites served before point at the new site's preview, not its production host
    preview.wait_for(lambda: url in preview.get("wg1-connectivity"), "the existing sites to link to the new preview")
    assert "powersystems.carbondataspec.org" not in preview.get("wg1-connectivity")
    assert not any("error" in line for line in preview.lines), "\n".join(preview.lines)

    # a site taken away stops being served; the others go on
    shutil.rmtree(repo / "wg2-power-systems")
    base.write_text(listed_before)
    preview.wait_for(lambda: "wg2-power-systems: no longer listed in mkdocs.yml; stopped serving it" in preview.lines, "the unlisted site to stop")
    preview.wait_for(lambda: url not in preview.get("wg1-connectivity"), "the existing sites to drop the link")
    assert preview.stop() == 0

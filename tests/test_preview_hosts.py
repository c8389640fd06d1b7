"""Issue 25, the preview's row: it answers only its own host names (a page elsewhere
cannot reach it through DNS rebinding) and drops idle connections. A real preview
on 127.0.0.1, spoken to over raw sockets."""
from __future__ import annotations

import socket
import time

import pytest

from conftest import SITES, copy_sources
from test_preview import Preview

WG1 = "wg1-connectivity"
IDLE_WAIT = 30  # seconds a test waits for the preview to close a connection (it closes after 5)


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory):
    """One preview for the module: its tests only send it requests, they edit nothing."""
    folder = tmp_path_factory.mktemp("preview-hosts")
    repo = copy_sources(folder / "repo")
    (folder / "tmp").mkdir()
    server = Preview(repo, folder / "tmp")
    server.wait_for(lambda: all("<h1" in server.get(site) for site in SITES), "both sites to be served")
    yield server
    if server.process.poll() is None:
        server.stop()


def request(port: int, head: str) -> bytes:
    """Send a request head, read the whole answer (the preview closes after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(head.encode("latin-1"))
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


REFUSED = ["attacker.example", "attacker.example:{port}", "127.0.0.1.attacker.example:{port}", "LOCALHOST.attacker.example", "[::2]:{port}", ""]
ANSWERED = ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LocalHost", "127.0.0.1"]


def test_a_host_the_preview_was_not_told_to_serve_is_refused(preview: Preview) -> None:
    port = preview.port(WG1)
    for host in (h.format(port=port) for h in REFUSED):
        answer = request(port, f"GET /use-cases.html HTTP/1.1\r\nHost: {host}\r\n\r\n")
        assert status(answer) == 421, (host, answer[:200])
        body = answer.partition(b"\r\n\r\n")[2]
        assert body == b"421 Misdirected Request: this preview answers only 127.0.0.1, ::1, localhost\n", host
        head_only = request(port, f"HEAD / HTTP/1.1\r\nHost: {host}\r\n\r\n")
        assert status(head_only) == 421 and head_only.endswith(b"\r\n\r\n"), host
        reload_poll = request(port, f"GET /.specsites/reload?epoch=0 HTTP/1.1\r\nHost: {host}\r\n\r\n")
        assert status(reload_poll) == 421, host


def test_the_preview_answers_its_own_names(preview: Preview) -> None:
    port = preview.port(WG1)
    for host in (h.format(port=port) for h in ANSWERED):
        answer = request(port, f"GET /use-cases.html HTTP/1.1\r\nHost: {host}\r\n\r\n")
        assert status(answer) == 200 and b"<h1" in answer, host


def closed_within(client: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection before the deadline (what it sent
    meanwhile is read and dropped)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        client.settimeout(left)
        try:
            if not client.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def test_an_idle_connection_is_closed(preview: Preview) -> None:
    port = preview.port(WG1)
    # Both open at once: their idle timeouts run side by side, not one after the other.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as silent, \
            socket.create_connection(("127.0.0.1", port), timeout=10) as stalled:
        stalled.sendall(b"GET /use-cases.html HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
        assert closed_within(silent, IDLE_WAIT), f"a connection that sent nothing was still open after {IDLE_WAIT} s"
        assert closed_within(stalled, IDLE_WAIT), f"a request head left unfinished was still open after {IDLE_WAIT} s"
    # and the preview still answers
    assert status(request(port, "GET /use-cases.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) == 200

"""HttpFetch, the live check's client: one kept-alive connection per thread and host,
retried once when the server has dropped it, given up when a body is cut short."""
from __future__ import annotations

import contextlib
import http.server
import socketserver
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import GitHubPagesServer
from specsites.checks.follow import NO_ANSWER
from specsites.checks.http_fetch import MAX_BODY, HttpFetch


class CountingServer(GitHubPagesServer):
    """The GitHub Pages stand-in, counting the connections it accepts."""

    def __init__(self, folders: dict[str, Path], port: int = 0) -> None:
        super().__init__(folders, port)
        self.accepted = 0
        accept = self.httpd.get_request

        def counted():
            self.accepted += 1
            return accept()

        self.httpd.get_request = counted


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text('<html><head></head><body><article><h1 id="home">h</h1></article></body></html>')
    (tmp_path / "big.bin").write_bytes(b"x" * (MAX_BODY + 1000))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<html><head></head><body></body></html>")
    return tmp_path


def test_one_connection_serves_many_requests(folder: Path) -> None:
    with CountingServer({"": folder}) as server, HttpFetch() as fetch:
        base = f"http://127.0.0.1:{server.port}/"
        answers = [fetch(base + path) for path in ["", "a/", "a", "missing", ""] * 4]
        assert [a.status for a in answers[:5]] == [200, 200, 301, 404, 200]
        assert answers[0].page.ids == {"home"} and answers[2].location == "/a/"
        assert server.accepted == 1


class AnswersOnceThenHangsUp(socketserver.BaseRequestHandler):
    """Answers one request as if it kept the connection, then closes it, as servers
    do with idle connections."""

    def handle(self) -> None:
        self.request.recv(65536)
        body = b'<html><head></head><body><article><h1 id="once">o</h1></article></body></html>'
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


class HangsUpAtOnce(socketserver.BaseRequestHandler):
    """Accepts, reads the request, answers nothing."""

    def handle(self) -> None:
        self.request.recv(65536)


class CountingTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    accepted = 0

    def get_request(self):
        self.accepted += 1
        return super().get_request()


@contextlib.contextmanager
def serving(handler: type[socketserver.BaseRequestHandler]) -> Iterator[CountingTCPServer]:
    with CountingTCPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield server
        finally:
            server.shutdown()


def test_a_connection_the_server_dropped_is_retried_once() -> None:
    with serving(AnswersOnceThenHangsUp) as server, HttpFetch() as fetch:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert [fetch(url).page.ids for _ in range(3)] == [{"once"}] * 3
        assert server.accepted == 3  # the 2nd and 3rd each found the kept connection dead


def test_a_fresh_connection_that_fails_is_not_retried() -> None:
    with serving(HangsUpAtOnce) as server, HttpFetch() as fetch:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        answer = fetch(url)
        assert answer.status == NO_ANSWER and answer.location.startswith(f"could not fetch {url}: ")
        assert server.accepted == 1


def test_a_server_that_closes_after_each_answer(folder: Path) -> None:
    class OneShot(http.server.SimpleHTTPRequestHandler):  # HTTP/1.0: Connection: close
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args) -> None:
            pass

    with serving(OneShot) as server, HttpFetch() as fetch:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert [fetch(url).page.ids for _ in range(3)] == [{"home"}] * 3
        assert server.accepted == 3


def test_threads_each_keep_their_own_connection(folder: Path) -> None:
    with CountingServer({"": folder}) as server, HttpFetch() as fetch:
        base = f"http://127.0.0.1:{server.port}/"
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda path: fetch(base + path), ["", "a/", "a", "missing"] * 25))
        assert [a.status for a in answers] == [200, 200, 301, 404] * 25
        assert 1 <= server.accepted <= 4


def test_a_body_cut_short_does_not_poison_the_next_request(folder: Path) -> None:
    with CountingServer({"": folder}) as server, HttpFetch() as fetch:
        base = f"http://127.0.0.1:{server.port}/"
        assert fetch(base + "big.bin").status == 200
        assert fetch(base).page.ids == {"home"}
        assert server.accepted == 2

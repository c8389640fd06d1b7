"""A 127.0.0.1 HTTP server that answers like GitHub Pages: the stand-in for GitHub
Pages in the tests and the benchmark, with the package's own rules (static_host)."""
from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from specsites.checks.static_host import answer, send_answer


class GitHubPagesServer:
    """A 127.0.0.1 HTTP server that answers like GitHub Pages, one folder per Host."""

    def __init__(self, folders: dict[str, Path], port: int = 0) -> None:
        self.folders = folders  # host name (no port) -> site folder; "" for any other host
        handler = self._handler()
        self.httpd = _KeepAliveServer(("127.0.0.1", port), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self):
        folders = self.folders

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as GitHub Pages does
            disable_nagle_algorithm = True  # headers and body are two writes: send both now
            timeout = 10  # an idle kept-alive connection is closed, as real servers do

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                folder = folders.get(host) or folders.get("")
                path, _, query = self.path.partition("?")
                if folder is None:
                    self.send_error(421)
                    return
                send_answer(self, answer(folder, path), query)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> "GitHubPagesServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.hang_up()
        self.httpd.server_close()


class _KeepAliveServer(ThreadingHTTPServer):
    """Remembers its open connections, so that stopping it ends them: a thread
    waiting on a kept-alive connection would otherwise outlive the server."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def hang_up(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

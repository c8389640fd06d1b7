"""Fetches one URL over HTTP for the live check, without following redirects.

The live check makes tens of thousands of requests to a few hosts from a pool of
threads, so each thread keeps one connection per host open and reuses it (a TLS
handshake per request would cost more than the request); http.client reopens one
the server closed after answering.
"""
from __future__ import annotations

import http.client
import threading
from typing import Callable
from urllib.parse import urlsplit

from specsites.checks.follow import EXTERNAL, NO_ANSWER, REDIRECT_STATUSES, Response
from specsites.checks.page_html import PageInfo, parse_page

MAX_BODY = 5_000_000  # a page larger than this is cut, and its connection closed
_Key = tuple[str, str, "int | None"]  # scheme, host, port


class _Connections(threading.local):
    def __init__(self) -> None:
        self.by_host: dict[_Key, http.client.HTTPConnection] = {}


class HttpFetch:
    """Answers a URL with its status, Location, and (for HTML) what the page says.
    Close it (or use it in a with block) once no call is running."""

    def __init__(self, timeout: float = 10.0, internal: Callable[[str], bool] | None = None) -> None:
        self.timeout = timeout
        self.internal = internal or (lambda url: True)
        self._local = _Connections()
        self._open: set[http.client.HTTPConnection] = set()  # every thread's, for close()
        self._lock = threading.Lock()

    def __call__(self, url: str) -> Response:
        if not self.internal(url):
            return Response(EXTERNAL)
        try:
            reply, body = self._get(url)
        except (OSError, http.client.HTTPException, ValueError) as e:
            return Response(NO_ANSWER, location=f"could not fetch {url}: {e or type(e).__name__}")
        if reply.status in REDIRECT_STATUSES:
            return Response(reply.status, location=reply.getheader("Location") or "")
        content_type = reply.getheader("Content-Type") or ""
        page = parse_page(body.decode("utf-8", "replace")) if reply.status == 200 and "html" in content_type else PageInfo()
        return Response(reply.status, page=page)

    def close(self) -> None:
        with self._lock:
            for connection in self._open:
                connection.close()
            self._open.clear()
            self._local = _Connections()  # no thread may reuse what was closed

    def __enter__(self) -> "HttpFetch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get(self, url: str, retry: bool = True) -> tuple[http.client.HTTPResponse, bytes]:
        parts = urlsplit(url)
        key: _Key = (parts.scheme, parts.hostname or "", parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connections = self._local.by_host
        connection = connections.get(key) or self._connect(key, connections)
        reused = connection.sock is not None
        try:
            connection.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "specsites-check"})
            reply = connection.getresponse()
        except (OSError, http.client.HTTPException):
            self._drop(key, connections)
            if reused and retry:  # the server (or something between) dropped it while idle
                return self._get(url, retry=False)
            raise
        try:
            body = reply.read(MAX_BODY)
        except BaseException:
            self._drop(key, connections)
            raise
        if not reply.isclosed():  # a body left unread: the connection is not reusable
            self._drop(key, connections)
        return reply, body

    def open_connection(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        """A new (not yet connected) connection to a URL's host (tests point it elsewhere)."""
        if scheme == "https":
            return http.client.HTTPSConnection(host, port or 443, timeout=self.timeout)
        return http.client.HTTPConnection(host, port or 80, timeout=self.timeout)

    def _connect(self, key: _Key, connections: dict[_Key, http.client.HTTPConnection]) -> http.client.HTTPConnection:
        connection = connections[key] = self.open_connection(*key)
        with self._lock:
            self._open.add(connection)
        return connection

    def _drop(self, key: _Key, connections: dict[_Key, http.client.HTTPConnection]) -> None:
        connection = connections.pop(key)
        connection.close()
        with self._lock:
            self._open.discard(connection)

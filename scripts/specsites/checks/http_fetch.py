"""Fetches one URL over HTTP for the live check, without following redirects.

The live check makes tens of thousands of requests to a few hosts from a pool of
threads, so each thread keeps one connection per host open and reuses it (a TLS
handshake per request would cost more than the request); http.client reopens one
the server closed after answering.
"""
from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from typing import Callable
from urllib.parse import urlsplit

from specsites.checks.follow import EXTERNAL, NO_ANSWER, REDIRECT_STATUSES, Response
from specsites.checks.page_html import PageInfo, parse_page

MAX_BODY = 5_000_000  # a page larger than this is cut, and its connection closed
DEADLINE = 30.0  # seconds for a whole request: a timeout per read alone lets a server drip forever
_Key = tuple[str, str, "int | None"]  # scheme, host, port


class _Connections(threading.local):
    def __init__(self) -> None:
        self.by_host: dict[_Key, http.client.HTTPConnection] = {}


class HttpFetch:
    """Answers a URL with its status, Location, and (for HTML) what the page says.
    Close it (or use it in a with block) once no call is running."""

    def __init__(self, timeout: float = 10.0, internal: Callable[[str], bool] | None = None, deadline: float = DEADLINE) -> None:
        self.timeout = timeout  # for connecting, and for each read
        self.deadline = deadline  # for the whole request, answer and body
        self._watch = _Deadlines()
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
        self._watch.stop()
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
        watch = self._watch.start(connection, self.deadline)
        try:
            try:
                connection.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "specsites-check"})
                reply = connection.getresponse()
            except (OSError, http.client.HTTPException):
                self._drop(key, connections)
                if reused and retry and not watch.expired:  # the server (or something between) dropped it while idle
                    self._watch.end(watch)
                    return self._get(url, retry=False)
                raise
            try:
                body = reply.read(MAX_BODY)
            except BaseException:
                self._drop(key, connections)
                raise
        except (OSError, http.client.HTTPException) as e:
            if watch.expired:
                raise TimeoutError(f"no whole answer within {self.deadline:g} s") from e
            raise
        finally:
            self._watch.end(watch)
        if watch.expired:  # cut off mid-body: what arrived is not the page
            self._drop(key, connections)
            raise TimeoutError(f"no whole answer within {self.deadline:g} s")
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
        connection = connections.pop(key, None)
        if connection is None:
            return
        connection.close()
        with self._lock:
            self._open.discard(connection)


class _Watch:
    """One request's deadline."""

    def __init__(self, connection: http.client.HTTPConnection, due: float) -> None:
        self.connection, self.due = connection, due
        self.expired = False


class _Deadlines:
    """Ends each request still running at its deadline, by shutting its socket (a
    blocked read then returns): one thread for every request of an HttpFetch,
    started with the first."""

    def __init__(self) -> None:
        self._running: set[_Watch] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self, connection: http.client.HTTPConnection, seconds: float) -> _Watch:
        watch = _Watch(connection, time.monotonic() + seconds)
        with self._wake:
            self._running.add(watch)
            if self._thread is None and not self._stopped:
                self._thread = threading.Thread(target=self._run, name="specsites-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()
        return watch

    def end(self, watch: _Watch) -> None:
        with self._wake:
            self._running.discard(watch)

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join()
        with self._wake:  # a later request starts it again
            self._thread, self._stopped = None, False

    def _run(self) -> None:
        with self._wake:
            while not self._stopped:
                now = time.monotonic()
                waits = []
                for watch in self._running:
                    if watch.due > now:
                        waits.append(watch.due - now)
                        continue
                    watch.expired = True
                    sock = watch.connection.sock
                    if sock is None:  # still connecting (bounded by the timeout): try again shortly
                        waits.append(0.05)
                        continue
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    waits.append(1.0)  # until the request ends, in case it is still connecting anew
                self._wake.wait(min(waits) if waits else None)

"""Following URLs over HTTP in tests: from a URL's production host name to a server
on 127.0.0.1, as the live check follows them from the real hosts."""
from __future__ import annotations

import http.client

from specsites.checks.follow import Fetch, FetchFollower, Landing
from specsites.checks.http_fetch import HttpFetch


class ResolvingFetch(HttpFetch):
    """HttpFetch that connects to 127.0.0.1 ports for the given host names (the Host
    header still names the host, so a server answers as that site)."""

    def __init__(self, resolve: dict[str, tuple[str, int]], **kwargs) -> None:
        super().__init__(**kwargs)
        self.resolve = resolve  # host name -> (ip, port)

    def open_connection(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        if host in self.resolve:
            ip, local_port = self.resolve[host]
            return http.client.HTTPConnection(ip, local_port, timeout=self.timeout)
        return super().open_connection(scheme, host, port)


def follow(url: str, fetch: Fetch, max_hops: int = 5) -> Landing:
    """Where one URL lands, each time followed afresh."""
    return FetchFollower(fetch, max_hops).follow(url)

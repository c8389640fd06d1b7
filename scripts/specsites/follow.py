"""Follows a URL the way a browser would: 3xx, meta refresh and our redirect script.

The same walk serves the static check (answers read from the built folders with
GitHub Pages' rules) and the live check (answers from HTTP servers).
"""
from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import urljoin, urlsplit

from specsites.page_html import PageInfo, parse_page
from specsites.static_host import answer

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Response:
    status: int  # 0: not one of our sites (an external URL)
    location: str = ""
    page: PageInfo | None = None


class Fetch(Protocol):
    def __call__(self, url: str) -> Response: ...


@dataclass
class Landing:
    start: str
    hops: list[tuple[str, int]] = field(default_factory=list)  # (url, status) visited
    ids: set[str] = field(default_factory=set)
    error: str = ""  # "" when it landed on a page

    @property
    def url(self) -> str:
        return self.hops[-1][0] if self.hops else self.start

    @property
    def redirects(self) -> int:
        return max(0, len(self.hops) - 1)

    @property
    def external(self) -> bool:
        return bool(self.hops) and self.hops[-1][1] == 0


def follow(url: str, fetch: Fetch, max_hops: int = 5) -> Landing:
    landing = Landing(url)
    seen: set[str] = set()
    current = url
    while True:
        if current in seen:
            landing.hops.append((current, -1))
            landing.error = "redirect loop: " + " -> ".join(u for u, _ in landing.hops)
            return landing
        seen.add(current)
        base, _, fragment = current.partition("#")
        response = fetch(base)
        landing.hops.append((current, response.status))
        if response.status == 0:
            return landing
        if response.status in REDIRECT_STATUSES:
            nxt = _next(base, fragment, response.location, keep_query=False)
        elif response.status == 200 and response.page is not None:
            target = response.page.next_url(fragment)
            if not target:
                landing.ids = response.page.ids
                return landing
            nxt = _next(base, fragment, target, keep_query=True)
        else:
            landing.error = f"status {response.status}"
            return landing
        if len(landing.hops) > max_hops:
            landing.error = f"more than {max_hops} redirects"
            return landing
        current = nxt


def _next(base: str, fragment: str, target: str, keep_query: bool) -> str:
    """The next URL: target resolved, the query kept as the redirect script keeps it,
    the fragment kept unless the target has its own (as browsers and our script do)."""
    url = urljoin(base, target)
    url, has_hash, own_fragment = url.partition("#")
    query = urlsplit(base).query
    if keep_query and query and "?" not in url:
        url += "?" + query
    if has_hash:
        return f"{url}#{own_fragment}"
    return f"{url}#{fragment}" if fragment else url


class StaticFetch:
    """Answers from built site folders, each published at a base URL, GitHub Pages' way."""

    def __init__(self, sites: dict[str, Path]) -> None:
        self.sites = {base: Path(folder) for base, folder in sites.items()}  # base URL -> folder
        self._cache: dict[str, Response] = {}

    def __call__(self, url: str) -> Response:
        url = url.split("?", 1)[0]
        cached = self._cache.get(url)
        if cached is None:
            cached = self._cache[url] = self._answer(url)
        return cached

    def _answer(self, url: str) -> Response:
        for base, folder in self.sites.items():
            if url.startswith(base) or url + "/" == base:
                base_path = urlsplit(base).path
                result = answer(folder, "/" + url[len(base):])
                if result.status == 301:
                    return Response(301, location=base_path.rstrip("/") + result.location)
                page = parse_page(result.file.read_text(encoding="utf-8")) if result.status == 200 and result.file and result.file.suffix == ".html" else PageInfo()
                return Response(result.status, page=page)
        return Response(0)


class HttpFetch:
    """Answers over HTTP without following redirects; `resolve` maps host -> (ip, port)."""

    def __init__(self, resolve: dict[str, tuple[str, int]] | None = None, timeout: float = 10.0, internal: Callable[[str], bool] | None = None) -> None:
        self.resolve = resolve or {}
        self.timeout = timeout
        self.internal = internal or (lambda url: True)

    def __call__(self, url: str) -> Response:
        if not self.internal(url):
            return Response(0)
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host in self.resolve:
            ip, port = self.resolve[host]
            connection: http.client.HTTPConnection = http.client.HTTPConnection(ip, port, timeout=self.timeout)
        elif parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, parts.port or 443, timeout=self.timeout)
        else:
            connection = http.client.HTTPConnection(host, parts.port or 80, timeout=self.timeout)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "specsites-check"})
            reply = connection.getresponse()
            body = reply.read(5_000_000)
        except OSError as e:
            return Response(-1, location=str(e))
        finally:
            connection.close()
        if reply.status in REDIRECT_STATUSES:
            return Response(reply.status, location=reply.getheader("Location") or "")
        content_type = reply.getheader("Content-Type") or ""
        page = parse_page(body.decode("utf-8", "replace")) if reply.status == 200 and "html" in content_type else PageInfo()
        return Response(reply.status, page=page)

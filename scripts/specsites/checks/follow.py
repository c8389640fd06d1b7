"""Follows a URL the way a browser would: 3xx, meta refresh and our redirect script.

A browser running scripts and one that does not take different paths through a
redirect page (the script and its data block; the meta refresh in <noscript>), so
a Follower follows one of the two (`script`), and without_script() gives the other.

The same walk serves the static check (static_follow.StaticFollower: answers read
from the built folders with GitHub Pages' rules) and the live check (FetchFollower
with http_fetch.HttpFetch: answers from HTTP servers); tests hold the two to the
same results, URL by URL.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import urljoin

from specsites.checks.page_html import PageInfo

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Not HTTP statuses: what a hop records when there was no HTTP answer.
EXTERNAL = 0  # a URL outside our sites, not fetched
NO_ANSWER = -1  # the fetch failed, or the URL came round again (a loop)


@dataclass(frozen=True, slots=True)
class Response:
    status: int  # an HTTP status, EXTERNAL or NO_ANSWER
    location: str = ""
    page: PageInfo | None = None


class Fetch(Protocol):
    def __call__(self, url: str) -> Response: ...


@dataclass(slots=True)
class Landing:
    start: str
    hops: list[tuple[str, int]] = field(default_factory=list)  # (url, status) visited
    ids: frozenset[str] = frozenset()
    error: str = ""  # "" when it landed on a page
    cut: bool = False  # the walk was stopped (a loop, too many hops), not answered

    @property
    def url(self) -> str:
        return self.hops[-1][0] if self.hops else self.start

    @property
    def redirects(self) -> int:
        return max(0, len(self.hops) - 1)

    @property
    def external(self) -> bool:
        return bool(self.hops) and self.hops[-1][1] == EXTERNAL


class Step(NamedTuple):  # a tuple: the static check makes one for each of 400,000 URLs
    """What one URL does: lands (ids), sends on (next), or fails (error)."""

    status: int
    next: str = ""  # where to go next; "" where it lands
    ids: frozenset[str] = frozenset()
    error: str = ""


class Follower:
    """Follows URLs, remembering every step: thousands of old URLs share their last
    hops, so each distinct URL is answered once. Subclasses say how to answer."""

    def __init__(self, max_hops: int = 5, script: bool = True) -> None:
        self.max_hops = max_hops
        self.script = script  # follows as a browser running scripts does, or as one that does not
        self._steps: dict[str, Step] = {}
        self._landings: dict[str, Landing] = {}
        self._tails: dict[str, tuple[Landing, frozenset[str] | None]] = {}  # for land(), by _tail

    def follow(self, url: str) -> Landing:
        """Where url lands. The same Landing for the same url: treat it as read-only."""
        landing = self._landings.get(url)
        if landing is None:
            landing = self._landings[url] = self._walk(url)
        return landing

    def land(self, url: str) -> Landing:
        """Where url lands, as follow() says, but kept nowhere: for a caller that
        follows each URL once (the static check, hundreds of thousands of old URLs).
        What old URLs share is remembered: the steps after the first, and where
        each of those goes on to land."""
        step = self._steps.get(url) or self._step(url)
        if step.next and not step.error:
            tail, visits = self._tails.get(step.next) or self._tail(step.next)
            if visits is not None and url not in visits:
                return Landing(url, [(url, step.status), *tail.hops], tail.ids, tail.error)
        return self._walk(url, first=step)

    def _tail(self, url: str) -> tuple[Landing, frozenset[str] | None]:
        """Where url lands, and the URLs it visits on the way: the walk from a URL
        whose first step leads to url is its first hop and then these, unless it
        comes round to that URL again (a loop), or the hop before brings it over
        the limit (None: walk it instead)."""
        tail = self._walk(url)
        visits = None if tail.cut or len(tail.hops) > self.max_hops else frozenset(u for u, _ in tail.hops)
        self._tails[url] = (tail, visits)
        return tail, visits

    def _walk(self, url: str, first: Step | None = None) -> Landing:
        landing = Landing(url)
        seen: set[str] = set()
        current = url
        while True:
            if current in seen:
                landing.hops.append((current, NO_ANSWER))
                landing.error = "redirect loop: " + " -> ".join(u for u, _ in landing.hops)
                landing.cut = True
                return landing
            seen.add(current)
            step = first if first is not None and not landing.hops else self._steps.get(current)
            if step is None:
                step = self._steps[current] = self._step(current)
            landing.hops.append((current, step.status))
            if step.error:
                landing.error = step.error
                return landing
            if not step.next:
                landing.ids = step.ids
                return landing
            if len(landing.hops) > self.max_hops:
                landing.error = f"more than {self.max_hops} redirects"
                landing.cut = True
                return landing
            current = step.next

    def _step(self, url: str) -> Step:
        raise NotImplementedError

    def without_script(self) -> "Follower":
        """A follower of the same sites as a browser that runs no scripts."""
        raise NotImplementedError


class FetchFollower(Follower):
    """Answers each URL by fetching it (HttpFetch: over HTTP)."""

    def __init__(self, fetch: Fetch, max_hops: int = 5, script: bool = True) -> None:
        super().__init__(max_hops, script)
        self.fetch = fetch if isinstance(fetch, _Remembered) else _Remembered(fetch)

    def without_script(self) -> "FetchFollower":
        return FetchFollower(self.fetch, self.max_hops, script=False)  # the answers fetched once for both

    def _step(self, url: str) -> Step:
        base, _, fragment = url.partition("#")
        response = self.fetch(base)
        if response.status == EXTERNAL:
            return Step(EXTERNAL)
        if response.status == NO_ANSWER:
            return Step(response.status, error=response.location)  # could not fetch: why
        if response.status in REDIRECT_STATUSES:
            return Step(response.status, next_hop(base, fragment, response.location, keep_query=False))
        if response.status == 200 and response.page is not None:
            return page_step(base, fragment, response.page, self.script)
        return Step(response.status, error=f"status {response.status}")


class _Remembered:
    """A fetch that answers each URL once: both walks (with and without scripts) ask
    for the same URLs. Threads may race to fetch one URL twice; either answer is kept."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.answers: dict[str, Response] = {}

    def __call__(self, url: str) -> Response:
        response = self.answers.get(url)
        if response is None:
            response = self.answers[url] = self.fetch(url)
        return response


def page_step(address: str, fragment: str, page: PageInfo, script: bool = True) -> Step:
    """A served page's step: on to where it sends a browser (running scripts or not),
    landed with its ids, or stuck on a redirect page that does not send it on."""
    lead = page.leads(fragment, script)
    if lead.target:
        if lead.refresh:  # a new navigation to the refresh URL: the query and #fragment stay behind
            return Step(200, next_hop(address, "", lead.target, keep_query=False))
        return Step(200, next_hop(address, fragment, lead.target, keep_query=True))
    return Step(200, error=lead.stuck) if lead.stuck else Step(200, ids=page.ids)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _join(base: str, target: str) -> str:
    """urljoin for what redirects hold (absolute URLs, /paths, relative paths), fast;
    anything else goes to urljoin."""
    if _SCHEME.match(target):
        return target
    if target.startswith(("//", "?", "#")) or "\\" in target:
        return urljoin(base, target)
    path_start = base.find("/", base.find("//") + 2)
    if path_start < 0:
        origin, path = base, "/"
    else:
        origin, path = base[:path_start], base[path_start:].split("?", 1)[0]
    target_path, mark, rest = target.partition("?") if "?" in target else target.partition("#")
    joined = target_path if target_path.startswith("/") else path[: path.rfind("/") + 1] + target_path
    normal = posixpath.normpath(joined)
    if joined.endswith(("/", "/.", "/..")) and normal != "/":
        normal += "/"
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    return origin + normal + (mark + rest if mark else "")


def next_hop(base: str, fragment: str, target: str, keep_query: bool) -> str:
    """The next URL: target resolved, the query kept as the redirect script keeps it,
    the fragment kept unless the target has its own (as browsers and our script do)."""
    url = _join(base, target)
    url, has_hash, own_fragment = url.partition("#")
    query = base.partition("?")[2]
    if keep_query and query and "?" not in url:
        url += "?" + query
    if has_hash:
        return f"{url}#{own_fragment}"
    return f"{url}#{fragment}" if fragment else url

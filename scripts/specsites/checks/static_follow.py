"""Follows URLs through built site folders, answered as GitHub Pages would answer them.

The static check follows some 70,000 URLs for 10,000 moved pages. The four forms of
an old URL serve two files, and thousands of old URLs end on the same pages, so the
step out of a file is worked out once per file, URL folder and fragment; per URL
only a set lookup says which file it serves.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from specsites.errors import Problem, SpecSitesError
from specsites.program import command
from specsites.checks.follow import EXTERNAL, Follower, Landing, Step, next_hop, page_step
from specsites.checks.page_html import PageInfo, parse_head, parse_page
from specsites.checks.static_host import FolderFiles, IndexedFiles, answer


class StaticFollower(Follower):
    """Follows URLs over site folders, each published at a base URL."""

    def __init__(self, sites: dict[str, Path], max_hops: int = 5, files: dict[str, FolderFiles] | None = None, script: bool = True) -> None:
        super().__init__(max_hops, script)
        self.folders = {base: Path(folder) for base, folder in sites.items()}
        self._prefixes = {base: os.path.join(folder, "") for base, folder in self.folders.items()}  # joined by +: cheaper
        self._bases = sorted(self.folders, key=len, reverse=True)  # nested bases: longest first
        self._files: dict[str, FolderFiles] = dict(files or {})  # base URL -> files; listed when first asked unless given
        self._site_of_folder: dict[str, str] = {}  # URL up to its last "/" -> base URL, "" if none
        # Pages that stay are remembered, as many URLs land on each; a redirect page
        # is reached by its own old URL's forms and ids, asked one after the other,
        # so only the last few are kept (a site may have 200,000 of them).
        self._file_steps: dict[tuple[str, str, str], Step] = {}  # (URL folder, file, fragment)
        self._pages: dict[tuple[str, str], PageInfo] = {}
        self._recent_steps = _Recent()  # of redirect pages, as _file_steps
        self._recent_pages = _Recent()  # redirect pages, as _pages
        self._head_landings: dict[tuple[str, bytes, str], Landing | None] = {}  # (base URL, redirect page's head, fragment) -> for file_landing
        self._nested = {base: any(b != base and b.startswith(base) for b in self.folders) for base in self.folders}  # holds another site

    def without_script(self) -> "StaticFollower":
        """The same folders followed as a browser that runs no scripts, sharing the listing."""
        return StaticFollower(dict(self.folders), self.max_hops, self._files, script=False)

    def files(self, base: str) -> FolderFiles:
        """The site's files, listed once."""
        files = self._files.get(base)
        if files is None:
            try:
                files = self._files[base] = IndexedFiles(self.folders[base])
            except OSError as e:
                raise unreadable_output(e)
        return files

    def _step(self, url: str) -> Step:
        address, _, fragment = url.partition("#")
        path, has_query, _ = address.partition("?")
        if path + "/" in self.folders:  # a base URL without its last slash
            if urlsplit(path).path:  # GitHub Pages adds it, as for any folder
                return Step(301, next_hop(address, fragment, urlsplit(path).path + "/", keep_query=True))
            path += "/"  # a bare host: clients ask for "/"
        folder = path[: path.rfind("/") + 1]
        base = self._site_of(folder)
        if not base:
            return Step(EXTERNAL)
        result = answer(self.files(base), "/" + path[len(base):])
        if result.status == 301:
            return Step(301, next_hop(address, fragment, urlsplit(base).path.rstrip("/") + result.location, keep_query=True))
        if result.status != 200:
            return Step(result.status, error=f"status {result.status}")
        if not result.rel.endswith(".html"):
            return Step(200)
        if has_query:  # the page's next URL carries the query: not shared
            return page_step(address, fragment, self._page(base, result.rel), self.script)
        # Relative targets resolve against the URL's folder, not the file's: the two
        # differ for /a%2Fb (serves a/b.html), so both are in the key.
        key = (folder, result.rel, fragment)
        step = self._file_steps.get(key) or self._recent_steps.get(key)
        if step is None:
            page = self._page(base, result.rel)
            step = page_step(address, fragment, page, self.script)
            if not page.leads(fragment, self.script).target.startswith(("?", "#")):  # else resolved against the whole address, not its folder: not shared
                if page.redirects:
                    self._recent_steps.keep(key, step)
                else:
                    self._file_steps[key] = step
        return step

    def file_landing(self, base: str, address: str, rel: str, fragment: str = "") -> Landing | None:
        """Where address#fragment lands, for address a URL of the site at base that
        serves the file rel (as answer() says), with no query: the walk after its
        first hop, which is all land() would say but that hop. Every URL of the same
        folder serving the same file takes the same first step, so this answers for
        all of them, making no Landing of its own. Judges redirect pages only, as
        this follower's browser takes them (running scripts or not); None for
        anything else, for a page that leaves no way on, and for a walk that fails
        (land() it to say how)."""
        # Another site's folder, or another site's base URL without its last slash
        # (which GitHub Pages answers with a 301 there, as _step says), is not
        # served by rel.
        if self._nested[base] and (self._site_of(address[: address.rfind("/") + 1]) != base or address + "/" in self.folders):
            return None
        chunk = self._head(base, rel)
        head = _head_of(chunk) if chunk else None
        if head is None:
            return None
        # Thousands of redirect pages to one place are the same file: one sending its
        # page to a path from the site's root lands as any other with that head
        # does, from any address on the site, so each such head is walked once per fragment.
        key = (base, head, fragment)
        if key in self._head_landings:
            return self._head_landings[key]
        page = parse_head(head.decode("utf-8", "replace"))
        if not page.redirects:
            return None  # a page that stays
        lead = page.leads(fragment, self.script)
        if not lead.target or lead.target.startswith(("?", "#")):
            return None  # stuck (land() words it), or resolved against the whole address
        step = page_step(address, fragment, page, self.script)
        # Clean tail: no URL taking this step is in it, or it would have come round (a loop).
        tail, visits = self._tails.get(step.next) or self._tail(step.next)
        landing = tail if visits is not None and not tail.error else None
        if lead.target.startswith("/") and not lead.target.startswith("//"):
            self._head_landings[key] = landing
        return landing

    def _head(self, base: str, rel: str) -> bytes | None:
        """The start of a site file; None if it cannot be opened or read (a folder).
        Not blocking: a FIFO there reads as nothing, and must not hang the check."""
        try:
            fd = os.open(self._prefixes[base] + rel, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            return os.read(fd, 1 << 16)
        except OSError:
            return None
        finally:
            os.close(fd)

    def _site_of(self, folder: str) -> str:
        """The base URL of the site a URL folder (up to its last "/") is in; "" if none."""
        base = self._site_of_folder.get(folder)
        if base is None:
            base = self._site_of_folder[folder] = next((b for b in self._bases if folder.startswith(b)), "")
        return base

    def _page(self, base: str, rel: str) -> PageInfo:
        key = (base, rel)
        page = self._pages.get(key) or self._recent_pages.get(key)
        if page is None:
            try:
                page = _read_page(self._prefixes[base] + rel)
            except OSError as e:
                raise unreadable_output(e)
            if page.redirects:
                self._recent_pages.keep(key, page)
            else:
                self._pages[key] = page
        return page


class _Recent(dict):
    """The last few values kept (forgotten all at once when full: cheaper than an LRU)."""

    def keep(self, key: object, value: object) -> None:
        if len(self) >= 64:
            self.clear()
        self[key] = value


def _read_page(path: str) -> PageInfo:
    """A served file's PageInfo, in fewer calls than open() makes: the check reads
    hundreds of thousands of small files. A redirect page is known by its head, so
    the rest of it is not read."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunk = os.read(fd, 1 << 16)
        head = _head_of(chunk)
        if head is not None:
            page = parse_head(head.decode("utf-8", "replace"))
            if page.script_to:  # as parse_page reads a redirect page
                return page
        chunks = [chunk]
        while chunk := os.read(fd, 1 << 16):  # to an empty read: network disks may read short
            chunks.append(chunk)
        return parse_page(b"".join(chunks).decode("utf-8", "replace"))
    finally:
        os.close(fd)


def _head_of(chunk: bytes) -> bytes | None:
    """The head (the text before `</head>`) a file's first bytes hold, if they hold it."""
    head_end = chunk.find(b"</head>")
    return chunk[:head_end] if head_end >= 0 else None


def unreadable_output(error: OSError) -> SpecSitesError:
    return SpecSitesError(Problem(error.filename or "", 0, f"cannot read the built output ({error.strerror or error}); rebuild it with {command('build')}"))

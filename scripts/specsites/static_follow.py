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
from specsites.follow import EXTERNAL, Follower, Step, next_hop, page_step
from specsites.page_html import PageInfo, parse_page
from specsites.static_host import IndexedFiles, answer


class StaticFollower(Follower):
    """Follows URLs over site folders, each published at a base URL."""

    def __init__(self, sites: dict[str, Path], max_hops: int = 5) -> None:
        super().__init__(max_hops)
        self.folders = {base: Path(folder) for base, folder in sites.items()}
        self._bases = sorted(self.folders, key=len, reverse=True)  # nested bases: longest first
        self._files: dict[str, IndexedFiles] = {}  # base URL -> files, listed when first asked
        self._site_of_folder: dict[str, str] = {}  # URL up to its last "/" -> base URL, "" if none
        self._file_steps: dict[tuple[str, str, str], Step] = {}  # (URL folder, file, fragment)
        self._pages: dict[tuple[str, str], PageInfo] = {}

    def files(self, base: str) -> IndexedFiles:
        """The site's files, listed once."""
        files = self._files.get(base)
        if files is None:
            try:
                files = self._files[base] = IndexedFiles(self.folders[base])
            except OSError as e:
                raise _unreadable(e)
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
            return page_step(address, fragment, self._page(base, result.rel))
        # Relative targets resolve against the URL's folder, not the file's: the two
        # differ for /a%2Fb (serves a/b.html), so both are in the key.
        key = (folder, result.rel, fragment)
        step = self._file_steps.get(key)
        if step is None:
            step = self._file_steps[key] = page_step(address, fragment, self._page(base, result.rel))
        return step

    def _site_of(self, folder: str) -> str:
        """The base URL of the site a URL folder (up to its last "/") is in; "" if none."""
        base = self._site_of_folder.get(folder)
        if base is None:
            base = self._site_of_folder[folder] = next((b for b in self._bases if folder.startswith(b)), "")
        return base

    def _page(self, base: str, rel: str) -> PageInfo:
        page = self._pages.get((base, rel))
        if page is None:
            try:
                text = _read(os.path.join(self.folders[base], rel)).decode("utf-8", "replace")
            except OSError as e:
                raise _unreadable(e)
            page = self._pages[(base, rel)] = parse_page(text)
        return page


def _read(path: str) -> bytes:
    """A whole file, in fewer calls than open() makes: the check reads thousands of small ones."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):  # to an empty read: network disks may read short
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _unreadable(error: OSError) -> SpecSitesError:
    return SpecSitesError(Problem(error.filename or "", 0, f"cannot read the built output ({error.strerror or error}); rebuild it with scripts/build"))

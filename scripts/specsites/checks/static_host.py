"""How GitHub Pages answers a path, over a built site folder.

`/x` serves `x.html` (or `x` itself); `/x` for a folder answers 301 to `/x/`;
`/x/` serves `x/index.html`; anything else is the site's 404.html with status 404.
Used by the static check and the preview (and by tests/github_pages.py, the server
that stands in for GitHub Pages in the tests and the benchmark).
"""
from __future__ import annotations

import mimetypes
import os
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from specsites.urls import file_forms, is_plain_relative


class Answer(NamedTuple):  # a tuple: the static check asks for 400,000
    status: int  # 200, 301 or 404
    folder: Path
    rel: str = ""  # the file served, relative to folder (for 404: 404.html, if any)
    location: str = ""  # for 301: the path to go to

    @property
    def file(self) -> Path | None:
        return self.folder / self.rel if self.rel else None


class FolderFiles:
    """A site folder as it is on disk now (the preview and servers: files change)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    # os.path, not pathlib: any error (a name too long, say) is "no such file", a 404.
    def is_file(self, rel: str) -> bool:
        return os.path.isfile(os.path.join(self.folder, rel))

    def is_dir(self, rel: str) -> bool:
        return os.path.isdir(os.path.join(self.folder, rel))


class IndexedFiles(FolderFiles):
    """A built site folder listed once: the check asks about each path many times."""

    def __init__(self, folder: Path, listing: tuple[set[str], set[str]] | None = None) -> None:
        super().__init__(folder)
        self.files, self.dirs = listing or list_folder(folder)

    def is_file(self, rel: str) -> bool:
        return rel in self.files

    def is_dir(self, rel: str) -> bool:
        return rel.rstrip("/") in self.dirs


def list_folder(folder: Path) -> tuple[set[str], set[str]]:
    """The files and the folders (with "" for folder itself) in folder, relative to it."""
    files: set[str] = set()
    dirs = {""}
    _list(str(folder), [""], files, dirs, recurse=True)
    return files, dirs


Share = list[tuple[int, str]]  # folders to list whole: (index in folders, "a/b/")


def listing_shares(folders: list[Path], shares: int) -> tuple[list[tuple[set[str], set[str]]], list[Share]]:
    """list_folder of each folder, begun here and shared out, for a caller that runs
    the shares where it likes (the check, on the workers that follow URLs: a site
    with 100,000 moved pages has 100,000 folders, each a few system calls): the top
    level of each listed here, the folders in it split into `shares` shares.
    list_share lists a share; add_found adds what it found."""
    listings: list[tuple[set[str], set[str]]] = [(set(), {""}) for _ in folders]
    below = [(n, found) for n in range(len(folders)) for found in _list(str(folders[n]), [""], *listings[n], recurse=False)]
    return listings, [share for i in range(shares) if (share := below[i::shares])]


def list_share(folders: list[Path], share: Share) -> dict[int, tuple[set[str], set[str]]]:
    found: dict[int, tuple[set[str], set[str]]] = {}
    for n, prefix in share:
        _list(str(folders[n]), [prefix], *found.setdefault(n, (set(), set())), recurse=True)
    return found


def add_found(listings: list[tuple[set[str], set[str]]], found: dict[int, tuple[set[str], set[str]]]) -> None:
    for n, (files, dirs) in found.items():
        listings[n][0].update(files)
        listings[n][1].update(dirs)


def _list(folder: str, prefixes: list[str], files: set[str], dirs: set[str], recurse: bool) -> list[str]:
    """Adds what the given folders ("" or "a/b/") hold (and with recurse, all below
    them) to files and dirs; returns the folders found and not yet listed."""
    # scandir rather than os.walk: os.walk costs twice as much per folder.
    pending = list(prefixes)
    found: list[str] = []
    within = os.path.join(folder, "")  # joined by +: 100,000 folders
    while pending:
        prefix = pending.pop()
        with os.scandir(within + prefix if prefix else folder) as entries:
            for entry in entries:
                # Classified as stat sees them, as FolderFiles does: a link counts
                # as what it points to, a broken one (to nothing, a loop, through
                # a file) as nothing.
                try:
                    is_dir = entry.is_dir()
                    is_file = not is_dir and entry.is_file()
                except OSError:
                    continue
                if is_dir:
                    dirs.add(prefix + entry.name)
                    if not entry.is_symlink():  # as os.walk: no loops through links
                        (pending if recurse else found).append(prefix + entry.name + "/")
                elif is_file:
                    files.add(prefix + entry.name)
    return found


def disk_agrees(files: IndexedFiles) -> bool:
    """Whether asking the disk (FolderFiles) answers as this listing does. It does
    not where the listing stops: at a link to a folder (not gone into, as os.walk),
    or at a name's case (a case-insensitive disk finds `A.html` for `a.html`)."""
    parents = {rel.rpartition("/")[0] for rel in files.files} | {rel.rpartition("/")[0] for rel in files.dirs}
    within = os.path.join(files.folder, "")
    if any(os.path.islink(within + rel) for rel in files.dirs - parents - {""}):  # a listed folder with nothing listed in it
        return False
    cased = next((rel for rel in files.files if rel.swapcase() != rel), None)
    return cased is None or cased.swapcase() in files.files or not os.path.lexists(within + cased.swapcase())


def answer(site: Path | FolderFiles, path: str) -> Answer:
    """What GitHub Pages serves for a URL path (no query, no fragment) of one site."""
    files = site if isinstance(site, FolderFiles) else FolderFiles(site)
    rel = (unquote(path) if "%" in path else path).lstrip("/")
    if "//" in rel:  # nginx, which serves GitHub Pages, merges slashes
        rel = re.sub("/{2,}", "/", rel)
    segments = "/" + rel + "/"
    if "/../" in segments or "/./" in segments or "\\" in rel or "\x00" in rel:
        return _not_found(files)
    if rel == "" or rel.endswith("/"):
        return Answer(200, files.folder, rel + "index.html") if files.is_file(rel + "index.html") else _not_found(files)
    if files.is_file(rel):
        return Answer(200, files.folder, rel)
    if files.is_file(rel + ".html"):
        return Answer(200, files.folder, rel + ".html")
    if files.is_dir(rel) and files.is_file(rel + "/index.html"):
        return Answer(301, files.folder, location="/" + rel + "/")
    return _not_found(files)


def form_files(key: str) -> tuple[str, str] | None:
    """The two files answer() serves for a page URL's forms (urls.old_url_forms) when
    both are regular files: `key/index.html` for /key/ and /key/index.html (then
    `key` is a folder, not a file), `key.html` for /key and /key.html. None when the
    key is not plain (answer() would decode or merge it): ask form by form then."""
    if "%" in key or "?" in key or "#" in key or not is_plain_relative(key):
        return None
    page, index = file_forms(key)
    return index, page


def _not_found(files: FolderFiles) -> Answer:
    return Answer(404, files.folder, "404.html" if files.is_file("404.html") else "")


def content_type(file: Path | None) -> str:
    if file is None:
        return "text/plain; charset=utf-8"
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") or kind == "application/javascript" else kind


def send_answer(handler: BaseHTTPRequestHandler, result: Answer, query: str, body: bytes | None = None) -> None:
    """Write an Answer as the HTTP response: a 301 keeping the query, or the file
    (body, when given, replaces the file's bytes)."""
    if result.status == 301:
        handler.send_response(301)
        handler.send_header("Location", result.location + (f"?{query}" if query else ""))
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    if body is None:
        body = result.file.read_bytes() if result.file else b"not found"
    handler.send_response(result.status)
    handler.send_header("Content-Type", content_type(result.file))
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    if handler.command != "HEAD":  # HEAD: the same headers, no body
        handler.wfile.write(body)

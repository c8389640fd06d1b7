"""How GitHub Pages answers a path, over a built site folder, and a server that does so.

`/x` serves `x.html` (or `x` itself); `/x` for a folder answers 301 to `/x/`;
`/x/` serves `x/index.html`; anything else is the site's 404.html with status 404.
Used by the static check, the preview, and GitHubPagesServer, which stands in for
GitHub Pages in the tests and the benchmark.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


@dataclass(frozen=True)
class Answer:
    status: int  # 200, 301 or 404
    file: Path | None = None  # what is served (for 404: the site's 404.html, if any)
    location: str = ""  # for 301: the path to go to


def answer(site_dir: Path, path: str) -> Answer:
    """What GitHub Pages serves for a URL path (no query, no fragment) of one site."""
    rel = unquote(path).lstrip("/")
    parts = rel.split("/")
    if any(p in ("..", ".") for p in parts) or "\\" in rel or "\x00" in rel:
        return _not_found(site_dir)
    target = site_dir / rel
    if rel == "" or rel.endswith("/"):
        index = target / "index.html"
        return Answer(200, index) if index.is_file() else _not_found(site_dir)
    if target.is_file():
        return Answer(200, target)
    if target.with_name(target.name + ".html").is_file():
        return Answer(200, target.with_name(target.name + ".html"))
    if target.is_dir() and (target / "index.html").is_file():
        return Answer(301, location="/" + rel + "/")
    return _not_found(site_dir)


def _not_found(site_dir: Path) -> Answer:
    page = site_dir / "404.html"
    return Answer(404, page if page.is_file() else None)


class GitHubPagesServer:
    """A 127.0.0.1 HTTP server that answers like GitHub Pages, one folder per Host."""

    def __init__(self, folders: dict[str, Path], port: int = 0) -> None:
        self.folders = folders  # host name (no port) -> site folder; "" for any other host
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _handler(self):
        folders = self.folders

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
                folder = folders.get(host) or folders.get("")
                path, _, query = self.path.partition("?")
                if folder is None:
                    self.send_error(421)
                    return
                result = answer(folder, path)
                if result.status == 301:
                    self.send_response(301)
                    self.send_header("Location", result.location + (f"?{query}" if query else ""))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = result.file.read_bytes() if result.file else b"not found"
                self.send_response(result.status)
                kind = "text/html; charset=utf-8" if result.file and result.file.suffix == ".html" else "application/octet-stream"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> "GitHubPagesServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

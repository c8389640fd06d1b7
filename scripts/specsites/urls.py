"""Pure helpers for the URLs a static host publishes for a page.

A page file is `x.html` (published as `/x`) or `x/index.html` (published as `/x/`).
People linked every form: `/x`, `/x/`, `/x.html`, `/x/index.html`. A *key* names the
page whatever the form: `x` (the home page's key is the empty string).
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

# What the editable files may hold: URL paths and section ids safe in HTML,
# JavaScript, nginx and _redirects without quoting (percent-encode anything else).
PATH_PATTERN = re.compile(r"/(?:[A-Za-z0-9._~%+@-]+/?)*(?:\*)?")
ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
_URL_UNSAFE = re.compile(r"[\s\"'<>\\`{}|^$;]")


def usable_http_url(url: str) -> bool:
    """An http(s) URL with a host and nothing that needs quoting anywhere we write it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not _URL_UNSAFE.search(url)


def old_url_forms(url: str) -> list[str]:
    """Every form of a published URL people may have linked: /x, /x/, /x.html, /x/index.html."""
    if url in ("", "/"):
        return ["/", "/index.html"]
    stem = url.rstrip("/")
    return [stem, stem + "/", stem + ".html", stem + "/index.html"]


def page_key(path: str) -> str:
    """`/a/b/`, `/a/b`, `/a/b.html`, `a/b/index.html` all give `a/b`."""
    key = path.strip("/")
    if key == "index.html":
        return ""
    if key.endswith("/index.html"):
        key = key[: -len("/index.html")]
    elif key.endswith(".html"):
        key = key[: -len(".html")]
    return key.strip("/")


def file_forms(key: str) -> tuple[str, ...]:
    """The files a static host serves for every form of the key's URL."""
    return ("index.html",) if key == "" else (f"{key}.html", f"{key}/index.html")


def is_plain_relative(path: str) -> bool:
    """Whether path is a plain relative POSIX path: no `..`, `.` or empty part, no
    leading `/`, no backslash or NUL; what may be joined to a folder and stay in it."""
    return posixpath.normpath(path) == path and not path.startswith(("/", "../")) and path not in ("", ".", "..") and "\\" not in path and "\x00" not in path


def page_url(file_path: str) -> str:
    """The URL (relative to the site root) MkDocs gives a page file: `a/` or `a/b.html`."""
    if file_path == "index.html":
        return ""
    if file_path.endswith("/index.html"):
        return file_path[: -len("index.html")]
    return file_path


def served_forms(url: str) -> tuple[str, ...]:
    """The paths that reach a page's URL without a host redirect (GitHub Pages rules)."""
    if url == "":
        return ("/", "/index.html")
    if url.endswith("/"):
        return ("/" + url, "/" + url + "index.html")
    return ("/" + url[: -len(".html")], "/" + url)


def relative_url(target: str, from_file: str) -> str:
    """A link from the file `from_file` to the site-relative URL `target`."""
    from_dir = posixpath.dirname(from_file) or "."
    rel = posixpath.relpath(target.rstrip("/") or ".", from_dir)
    if target.endswith("/") or target == "":
        rel = "./" if rel == "." else rel + "/"
    return rel


def url_file(url: str) -> str:
    """The file behind a site-relative page URL: `a/` -> `a/index.html`."""
    return url + "index.html" if url.endswith("/") or url == "" else url

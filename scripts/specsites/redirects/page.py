"""The HTML of a redirect page, and the tags that forward section anchors.

The only place redirect HTML is made. Every value is escaped for where it goes:
attribute and text values with html.escape, the targets in redirect_data's JSON data
block, so no target can close the script or the attribute.
"""
from __future__ import annotations

import html
from typing import Callable

from specsites.redirects.linker import Linker
from specsites.redirects.data import RedirectData, redirect_tags
from specsites.redirects.plan import Redirect


def anchor_script(redirect: Redirect, linker: Linker, to: str | None = None) -> str:
    """The data block and script that forward the old section anchors (and the page, given `to`)."""
    anchors = {a: linker.target(d) for a, d in sorted(redirect.anchors.items())}
    return redirect_tags(RedirectData(to or "", anchors))


# Seen only without JavaScript, or while a slow target loads: the site's look in a
# few bytes (system fonts and the consortium bar's colour, like the site). With
# JavaScript the script has already moved on, so the body shows only after a
# second: no flash of this page.
_STYLE = (
    "<style>body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "color:#212121;background:#fff}header{background:#263238;color:#fff;padding:12px 16px;font-weight:700}"
    "main{max-width:40rem;padding:16px;overflow-wrap:anywhere}h1{font-size:1.6em;font-weight:400}"
    "a{color:#4051b5}small{color:#757575}"
    "@keyframes specsites-show{from{visibility:hidden}}body{animation:specsites-show 0s 1s backwards}</style>\n"
    "<noscript><style>body{animation:none}</style></noscript>\n"
)


def _words(redirect: Redirect, linker: Linker, name: str, link: str, site_title: str) -> tuple[str, str, str]:
    """The page's title, heading and sentence: an alias is the same page at another
    form of its URL (nothing moved); a move to another site names that site."""
    assert redirect.to is not None
    if redirect.is_alias:
        return name, name, f'<p>Opening this page at its address: <a href="{link}">{name}</a>.</p>\n'
    if redirect.to.site and redirect.to.site != linker.site:
        group = html.escape(site_title or redirect.to.site)
        return (f"Moved: {name}", f"This page moved to the {group} site",
                f'<p>It is now on the site of the {group}: <a href="{link}">{name}</a>.</p>\n')
    return f"Moved: {name}", "This page has moved", f'<p>It is now <a href="{link}">{name}</a>.</p>\n'


def render_redirect_page(redirect: Redirect, linker: Linker, title: str = "", site_title: str = "") -> str:
    """The redirect page; `title` is the destination page's title, when known, and
    `site_title` the name of the site it is on (said when that is another site)."""
    assert redirect.to is not None
    href = linker.target(redirect.to)
    absolute = linker.absolute(redirect.to)
    canonical = html.escape(absolute, quote=True)
    link = html.escape(href, quote=True)
    name = html.escape(title or absolute)
    head_title, heading, sentence = _words(redirect, linker, name, link, site_title)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{head_title}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{canonical}">\n'
        f"{anchor_script(redirect, linker, href)}\n"
        f'<noscript><meta http-equiv="refresh" content="0; url={link}"></noscript>\n'
        f"{_STYLE}"
        "</head>\n<body>\n<header>Carbon Data Specification Consortium</header>\n<main>\n"
        f"<h1>{heading}</h1>\n{sentence}"
        + (f"<p><small>{html.escape(absolute)}</small></p>\n" if title else "")
        + "</main>\n</body>\n</html>\n"
    )


def redirect_page_files(redirects: list[Redirect], linker: Linker, title_of: Callable[[Redirect], str], site_titles: dict[str, str] | None = None) -> dict[str, str]:
    """Every redirect page file (relative to the site root) -> its HTML.

    A page's HTML depends only on where it goes (and its title, which follows from
    that), not on the old path, so redirects to one place share one rendering: at
    100,000 redirects to a few hundred pages that is most of the work.
    """
    files: dict[str, str] = {}
    rendered: dict[tuple, str] = {}
    for redirect in redirects:
        if redirect.to is None:
            continue
        key = (redirect.to, tuple(sorted(redirect.anchors.items())) if redirect.anchors else (), redirect.is_alias)
        page = rendered.get(key)
        if page is None:
            site_title = (site_titles or {}).get(redirect.to.site, "")
            page = rendered[key] = render_redirect_page(redirect, linker, title_of(redirect), site_title)
        for file in redirect.files:
            files[file] = page
    return files

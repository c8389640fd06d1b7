"""Checks of what a build publishes: links to our sites' URLs, and published ids.

Pure: given the facts the builds gathered about their pages (ids, headings, links),
the sites' pages, the redirect plan and the inventory, say what is wrong as
`Problem`s. A single site's build (plain `mkdocs build`, the preview) knows only
its own pages' ids and skips what needs another site's; `specsites build` knows
every site's and checks everything.
"""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field

from markdown.extensions.toc import slugify

from specsites.errors import Problem
from specsites.sources.inventory import Inventory
from specsites.redirects.plan import Pages, Plan, Redirect
from specsites.urls import page_key, served_forms


@dataclass(frozen=True)
class LinkRef:
    """A link in a page to one of our sites' production URLs."""

    source: str  # the page's source file, relative to the repository root
    line: int
    href: str  # as written
    site: str  # the site it points into
    path: str  # the URL's path, "/x"
    anchor: str = ""


@dataclass(frozen=True)
class PageFacts:
    """What one built page holds that links and the inventory may point at."""

    url: str  # site-relative, as MkDocs gives it: "", "specs/x/", "use-cases.html"
    source: str  # the source file, relative to the repository root
    ids: frozenset[str] = frozenset()  # every id in the page's content
    headings: dict[str, str] = field(default_factory=dict)  # section id -> heading text
    heading_lines: dict[str, int] = field(default_factory=dict)  # section id -> source line


SiteFacts = dict[str, PageFacts]  # site-relative URL -> facts


_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def links_to_sites(content: str, production_urls: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(href, site, path, anchor) of each link in rendered HTML to one of our sites'
    production URLs (http or https), in order, each href once."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for match in _HREF.finditer(content):
        href = html.unescape(match.group(1) if match.group(1) is not None else match.group(2))
        if href in found:
            continue
        for site, base in production_urls.items():
            for prefix in (base, "http://" + base.partition("://")[2]):
                if href.startswith(prefix) or href == prefix.rstrip("/"):
                    rest = href[len(prefix):] if href.startswith(prefix) else ""
                    path, _, anchor = rest.partition("#")
                    found[href] = (href, site, "/" + path.partition("?")[0], anchor)
                    break
            if href in found:
                break
    return list(found.values())


def entry_fix(site: str, entry: str) -> str:
    """The words that tell where a redirects.yml entry goes (the check prints the same)."""
    return f"fix: add under `{site}:` in redirects.yml:  {entry}"


def _moved(plan: Plan, site: str, key: str) -> Redirect | None:
    for redirect in plan.redirects.get(site, []):
        if redirect.key == key and redirect.to is not None:
            return redirect
    return None


def _moved_pages(plan: Plan, site: str) -> dict[str, Redirect]:
    """The site's moved pages by key, the first entry for each (looked up per inventory
    URL: a scan per URL made 100k moved pages take half an hour)."""
    moved: dict[str, Redirect] = {}
    for redirect in plan.redirects.get(site, []):
        if redirect.to is not None:
            moved.setdefault(redirect.key, redirect)
    return moved


def _absolute(production_urls: dict[str, str], site: str, url: str, anchor: str = "") -> str:
    return production_urls[site] + url + (f"#{anchor}" if anchor else "")


def check_links(links: list[LinkRef], facts: dict[str, SiteFacts], pages: Pages, plan: Plan, production_urls: dict[str, str]) -> list[Problem]:
    """Each link to one of our sites must name a page as served, and an id it has.

    Anchors are checked only on sites whose facts are known.
    """
    problems = []
    for link in links:
        where = (link.source, link.line)
        if "." in link.path.rsplit("/", 1)[-1] and not link.path.endswith(".html"):
            continue  # a file, not a page (an image, the sitemap)
        key = page_key(link.path)
        url = pages.get(link.site, {}).get(key)
        if url is None:
            moved = _moved(plan, link.site, key)
            if moved is not None and moved.to is not None:
                to = moved.to
                anchor = to.anchor or link.anchor
                instead = to.url if not to.site else _absolute(production_urls, to.site, to.url, anchor)  # as it was written: absolute
                problems.append(Problem(*where, f"the link '{link.href}' only lands through a redirect; link to {instead} instead"))
                continue
            known = sorted(served_forms(u)[0] for u in pages.get(link.site, {}).values())
            close = difflib.get_close_matches(link.path, known, n=1)
            hint = f"did you mean {production_urls[link.site].rstrip('/')}{close[0]}?" if close else "point it at an existing page"
            problems.append(Problem(*where, f"the link '{link.href}' goes to no page of {link.site}; {hint}"))
            continue
        if link.path not in served_forms(url):
            instead = _absolute(production_urls, link.site, url, link.anchor)
            problems.append(Problem(*where, f"the link '{link.href}' only lands through a redirect; link to {instead} instead"))
            continue
        page = facts.get(link.site, {}).get(url)
        if link.anchor and page is not None and link.anchor not in page.ids:
            close = difflib.get_close_matches(link.anchor, sorted(page.ids), n=1)
            hint = f"did you mean #{close[0]}?" if close else "use one of its heading ids"
            problems.append(Problem(*where, f"the link '{link.href}' names no section of {served_forms(url)[0]} on {link.site}; {hint}"))
    return problems


def find_section(site: str, url: str, anchor: str, facts: dict[str, SiteFacts]) -> str:
    """Where the section once at site:url#anchor stands now, as a redirects.yml target
    ("/page#id" on the same site, "other-site:/page#id" on another); "" if nowhere.

    Looks first on the page itself for a heading whose words give that id (a renamed
    id keeps its heading's words: ids like #goals recur on many pages, so the same
    id elsewhere is a worse guess); then on the same site, then on the others; on
    each, for the same id on another page, then for a heading whose words give it.
    """
    def target(on: str, page: PageFacts, id_: str) -> str:
        path = served_forms(page.url)[0]
        return f"{path}#{id_}" if on == site else f"{on}:{path}#{id_}"

    own = facts.get(site, {}).get(url)
    for id_, title in (own.headings.items() if own else ()):
        if id_ != anchor and heading_slug(title) == anchor:
            return target(site, own, id_)

    for on in [site] + sorted(s for s in facts if s != site):
        pages = sorted(facts.get(on, {}).items(), key=lambda item: (not (on == site and item[0] == url), item[0]))
        for page_url, page in pages:
            if anchor in page.ids and not (on == site and page_url == url):
                return target(on, page, anchor)
        for _, page in pages:
            for id_, title in page.headings.items():
                if id_ != anchor and heading_slug(title) == anchor:
                    return target(on, page, id_)
    return ""


_NUMBERING = re.compile(r"^\s*(?:\d+\.)*\d*\.?\s+")


def heading_slug(title: str) -> str:
    """The id Markdown would give a heading, without its section number ("3.2 Transport")."""
    return slugify(_NUMBERING.sub("", html.unescape(title)), "-")


def check_published_ids(site: str, inventory: Inventory, facts: dict[str, SiteFacts], pages: Pages, plan: Plan) -> list[Problem]:
    """Every id the inventory says a page of this site published must still be there,
    on the page or where redirects.yml sends it, else: the entry that fixes it."""
    problems = []
    sections = {r.key: r.anchors for r in plan.redirects.get(site, []) if r.to is None}
    moved_pages = _moved_pages(plan, site)
    own = facts.get(site, {})
    for url, ids in sorted(item for item in inventory.get(site, {}).items() if item[1]):  # most URLs published no id
        key = page_key(url)
        current = pages.get(site, {}).get(key)
        if current is not None:
            page, forwarded, on_site, on_url = own.get(current), sections.get(key, {}), site, current
        else:
            moved = moved_pages.get(key)
            if moved is None or moved.to is None or not moved.to.site or moved.to.anchor:
                continue  # gone pages and external targets are the check's to report
            page, forwarded, on_site, on_url = facts.get(moved.to.site, {}).get(moved.to.url), moved.anchors, moved.to.site, moved.to.url
        if page is None:
            continue  # not built here (another site, or a page edit in the preview)
        missing = ids - page.ids  # nearly always empty: 100,000 URLs are checked in a build
        if missing and forwarded:
            missing -= forwarded.keys()
        for anchor in sorted(missing) if missing else ():
            found = find_section(on_site, on_url, anchor, facts)
            line = 0
            if found and ":" not in found.partition("#")[0] and served_forms(page.url)[0] == found.partition("#")[0]:
                line = page.heading_lines.get(found.partition("#")[2], 0)
            here = served_forms(page.url)[0] if on_site == site else f"{on_site}:{served_forms(page.url)[0]}"
            what = f"{url}#{anchor} was published and {here} no longer has that id" if current is not None else f"{url}#{anchor} was published, and {here}, where {url} now lands, has no such id"
            if found:
                problems.append(Problem(page.source, line, f"{what}; {entry_fix(site, f'{url}#{anchor}: {_on(site, on_site, found)}')}  (or restore {{#{anchor}}})"))
            else:
                problems.append(Problem(page.source, line, f"{what}, and no heading on any site has that id or its text; restore {{#{anchor}}} on the heading that replaced it, or add under `{site}:` in redirects.yml an entry from {url}#{anchor} to the section that did"))
    return problems


def _on(site: str, on_site: str, found: str) -> str:
    """A target found relative to on_site, as written under `site:`."""
    if on_site == site or ":" in found.partition("#")[0]:
        return found
    return f"{on_site}:{found}"


_FENCE = re.compile(r"^\s*(```|~~~)")
_UNCLOSED_ATTRIBUTES = re.compile(r"\{:?\s*#[^}]*$")


def unclosed_attributes(markdown: str) -> list[tuple[int, str]]:
    """(line, text) of each `{#id` or `{: #id` opened and not closed on its line, outside
    fenced code: Markdown then shows it as text and the id does not exist."""
    found = []
    fenced = False
    for number, text in enumerate(markdown.splitlines(), 1):
        if _FENCE.match(text):
            fenced = not fenced
            continue
        if not fenced and (match := _UNCLOSED_ATTRIBUTES.search(text)):
            found.append((number, match.group(0).strip()))
    return found


def line_of_id(markdown: str, id_: str, nth: int = 0) -> int:
    """The source line where the nth `{#id}` (or `id="id"`) is written; 0 if nowhere."""
    pattern = re.compile(r"\{[^}\n]*#" + re.escape(id_) + r"(?=[\s}])|\bid\s*=\s*[\"']" + re.escape(id_) + r"[\"']")
    count = 0
    for number, text in enumerate(markdown.splitlines(), 1):
        for _ in pattern.finditer(text):
            if count == nth:
                return number
            count += 1
    return 0


def line_of_heading(markdown: str, id_: str, title: str) -> int:
    """The source line of a heading, found by its written id, else by its text."""
    written = line_of_id(markdown, id_)
    if written:
        return written
    for number, text in enumerate(markdown.splitlines(), 1):
        if text.lstrip().startswith("#") and title and title in text:
            return number
    return 0


def line_of_text(markdown: str, needle: str) -> int:
    """The first source line that holds needle; 1 if none does (the page itself)."""
    for number, text in enumerate(markdown.splitlines(), 1):
        if needle in text:
            return number
    return 1

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

from specsites.redirects.relocate import nearest_path
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
            close = nearest_path(link.path, known)  # never another spec's version
            hint = f"did you mean {production_urls[link.site].rstrip('/')}{close}?" if close else "point it at an existing page"
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


@dataclass(frozen=True)
class Placement:
    """Where a published section stands now, and how it was found."""

    target: str  # as a redirects.yml target: "/page#id" on the section's site, "other-site:/page#id" on another
    how: str  # "words" (a heading whose words give the id), "number" (its number and words), "id" (the same id), "frozen" (only a frozen version has it)
    title: str = ""  # the heading's text there

    @property
    def frozen(self) -> bool:
        return self.how == "frozen"

    def reason(self, anchor: str, place: str) -> str:
        """Why it is there, in words for a message; place: its page as shown."""
        id_ = self.target.partition("#")[2]
        if self.how == "frozen":
            return f"the living text no longer has the section #{anchor}; only the frozen version {place} keeps its words ('{self.title}')"
        if self.how == "id":
            return f"the id #{anchor} now stands on {place}"
        if self.how == "number":
            return f"the heading '{self.title}' (#{id_}) on {place} has the number and words of the section #{anchor} was"
        return f"the heading '{self.title}' (#{id_}) on {place} has the words that gave #{anchor}"


# A version page of a spec, or its changes page: frozen text, never where a living section went.
_FROZEN_PAGE = re.compile(r"^specs/[^/]+/\d{4}-\d{2}-\d{2}/(?:changes(?:\.html|/)?)?$")


def is_frozen(url: str) -> bool:
    """Whether a site-relative page URL is a published version or its changes page."""
    return bool(_FROZEN_PAGE.match(url))


def locate_section(site: str, url: str, anchor: str, facts: dict[str, SiteFacts]) -> Placement | None:
    """Where the section once at site:url#anchor stands now: the one answer the build's
    fix lines, the check and `check --fix` give.

    A living section first: on the page itself, a heading whose words give the id (a
    renamed id keeps its words), then one with the section's old number and some of
    its words (its old heading read from a frozen version of the page), then one
    holding every word of a two-word or longer id; then the same id on another living
    page (ids like #goals recur on many pages, so a worse guess than the page's own
    headings), the same site first; then a heading with its words on another page.
    Only when no living text has it, a frozen version of the page that still holds it
    (the newest), and Placement.frozen says so.
    """
    def target(on: str, page: PageFacts, id_: str) -> str:
        path = served_forms(page.url)[0]
        return f"{path}#{id_}" if on == site else f"{on}:{path}#{id_}"

    own = facts.get(site, {}).get(url)
    versions = _frozen_versions(facts.get(site, {}), url, anchor)
    old_titles = [page.headings[anchor] for page in versions if anchor in page.headings]
    slugs = {anchor, *(heading_slug(t) for t in old_titles)}
    headings = list(own.headings.items()) if own else []
    for id_, title in headings:
        if id_ != anchor and heading_slug(title) in slugs:
            return Placement(target(site, own, id_), "words", title)
    for old in old_titles:
        number, words = _numbered_words(old)
        for id_, title in headings:
            other_number, other_words = _numbered_words(title)
            if id_ != anchor and number and number == other_number and words & other_words:
                return Placement(target(site, own, id_), "number", title)
    anchor_words = _words(anchor.replace("-", " "))
    if len(anchor_words) >= 2:
        for id_, title in headings:
            if id_ != anchor and anchor_words <= _words(title):
                return Placement(target(site, own, id_), "words", title)

    sites = [site] + sorted(s for s in facts if s != site)
    living = {on: sorted((item for item in facts.get(on, {}).items() if not is_frozen(item[0]) and not (on == site and item[0] == url))) for on in sites}
    for on in sites:
        for _, page in living[on]:
            if anchor in page.ids:
                return Placement(target(on, page, anchor), "id", page.headings.get(anchor, ""))
    for on in sites:
        for _, page in living[on]:
            for id_, title in page.headings.items():
                if id_ != anchor and heading_slug(title) in slugs:
                    return Placement(target(on, page, id_), "words", title)
    for page in versions:
        if anchor in page.ids:
            return Placement(target(site, page, anchor), "frozen", page.headings.get(anchor, ""))
    return None


def _frozen_versions(site_facts: SiteFacts, url: str, anchor: str) -> list[PageFacts]:
    """The version pages of the page at url (a spec's), newest first."""
    found = [page for page_url, page in site_facts.items() if page_url.startswith(url) and is_frozen(page_url) and not page_url.rstrip("/").endswith(("changes", "changes.html"))] if url else []
    return sorted(found, key=lambda page: page.url, reverse=True)


_STOP_WORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"})


def _words(text: str) -> frozenset[str]:
    """The words of a heading, lower case, a plural's s dropped, without the small words."""
    words = re.findall(r"[a-z0-9]+", html.unescape(text).lower())
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words if w not in _STOP_WORDS)


def _numbered_words(title: str) -> tuple[str, frozenset[str]]:
    """A heading's section number ("4.5", "" when it has none) and its words."""
    text = html.unescape(title)
    match = _NUMBERING.match(text)
    number = match.group(0).strip().rstrip(".") if match else ""
    return number, _words(text[match.end():] if match else text)


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
            placed = locate_section(on_site, on_url, anchor, facts)
            found = placed.target if placed else ""
            line = 0
            if found and ":" not in found.partition("#")[0] and served_forms(page.url)[0] == found.partition("#")[0]:
                line = page.heading_lines.get(found.partition("#")[2], 0)
            here = served_forms(page.url)[0] if on_site == site else f"{on_site}:{served_forms(page.url)[0]}"
            what = f"{url}#{anchor} was published and {here} no longer has that id" if current is not None else f"{url}#{anchor} was published, and {here}, where {url} now lands, has no such id"
            if placed and placed.frozen:
                version = found.partition("#")[0]
                problems.append(Problem(page.source, line, f"{what}, and the living text no longer has that section: only the frozen version {version} keeps its words; {entry_fix(site, f'{url}#{anchor}: {_on(site, on_site, found)}')}  (or restore the section with {{#{anchor}}})"))
            elif found:
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

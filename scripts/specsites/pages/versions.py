"""Published versions of specifications: git tags -> versions, and the Markdown that
links them.

A version is published by a tag named `<spec>/<date>`, like `cdsc-wg1-01/2024-06-27`:
the spec's file name (its id in lower case) and the version's date. Every tag
starting `cdsc-` is a version tag and must have that form; other tags (the tool's
own releases) are ignored. A tag may name the spec by an id it had before
(`previous_ids`), so a renamed spec keeps its versions. Each version is rendered
from the spec source as it was at the tag, at `/specs/<spec>/<date>/`, with what
changed since the previous version at `/specs/<spec>/<date>/changes`.

Pure: git is read by git_utils, and the caller hands in what it found.
"""
from __future__ import annotations

import datetime
import html
import posixpath
import re
from dataclasses import dataclass

from specsites.errors import Problem
from specsites.sources.spec_meta import SpecMeta, split_front_matter

TAG_PREFIX = "cdsc-"
_TAG = re.compile(r"(cdsc-wg[0-9]+-[0-9]+)/([0-9]{4}-[0-9]{2}-[0-9]{2})")
_LEGACY_BODY = re.compile(r"^## ", re.MULTILINE)


@dataclass(frozen=True)
class Version:
    slug: str  # the spec's file name now: its versions are published under it
    date: str
    tag: str
    blob: str  # the source's git blob id at the tag
    source: str  # the source's path at the tag, relative to the repository

    @property
    def page(self) -> str:
        """Its page in the site's docs: "specs/cdsc-wg1-01/2024-06-27/index.md"."""
        return f"specs/{self.slug}/{self.date}/index.md"

    @property
    def changes_page(self) -> str:
        return f"specs/{self.slug}/{self.date}/changes.md"

    @property
    def url(self) -> str:
        """Site-relative: "specs/cdsc-wg1-01/2024-06-27/"."""
        return f"specs/{self.slug}/{self.date}/"

    @property
    def changes_url(self) -> str:
        return f"specs/{self.slug}/{self.date}/changes"


def tag_problem(tag: str) -> Problem:
    return Problem(f"git tag {tag}", 0, "a version tag is <spec>/<YYYY-MM-DD> in lower case, like cdsc-wg1-01/2024-06-27; delete it (git tag -d) and tag again")


def parse_tags(tags: list[str]) -> tuple[list[tuple[str, str, str]], list[Problem]]:
    """(tag, slug, date) of each version tag; a tag starting `cdsc-` (any case) in
    another form is a problem."""
    found, problems = [], []
    for tag in sorted(tags):
        if not tag.lower().startswith(TAG_PREFIX):
            continue
        match = _TAG.fullmatch(tag)
        if not match:
            problems.append(tag_problem(tag))
            continue
        try:
            datetime.date.fromisoformat(match.group(2))
        except ValueError:
            problems.append(Problem(f"git tag {tag}", 0, f"{match.group(2)} is not a date; delete the tag (git tag -d {tag}) and tag the version as {match.group(1)}/YYYY-MM-DD"))
            continue
        found.append((tag, match.group(1), match.group(2)))
    return found, problems


def source_candidates(tag_slug: str, sites: list[str]) -> list[str]:
    """Where a spec's source may be in a tagged tree: the specifications/ of any site
    (a spec may have moved between sites since)."""
    return [f"{site}/specifications/{tag_slug}.md" for site in sites]


def resolve_versions(
    tags: list[tuple[str, str, str]], specs: list[SpecMeta], blobs: dict[tuple[str, str], str],
) -> tuple[dict[str, list[Version]], list[Problem]]:
    """Each spec's versions (oldest first), by its slug now.

    blobs: (tag, path) -> blob id of each candidate source path found at the tag.
    """
    by_id = {}
    for spec in specs:
        by_id[spec.slug] = spec
        for old in spec.previous_ids:
            by_id.setdefault(old.lower(), spec)
    versions: dict[str, dict[str, Version]] = {}
    problems = []
    for tag, tag_slug, date in tags:
        spec = by_id.get(tag_slug)
        if spec is None:
            problems.append(Problem(f"git tag {tag}", 0, f"no specification {tag_slug.upper()} now (nor one with it in previous_ids); restore its source, or add {tag_slug.upper()} to the previous_ids of the spec it became"))
            continue
        found = [(path, blob) for (t, path), blob in sorted(blobs.items()) if t == tag and path.endswith(f"/specifications/{tag_slug}.md")]
        if not found:
            problems.append(Problem(f"git tag {tag}", 0, f"the tagged commit has no specifications/{tag_slug}.md in any site; tag the commit that holds the version (git tag -f {tag} <commit>)"))
            continue
        earlier = versions.setdefault(spec.slug, {}).get(date)
        if earlier is not None:
            problems.append(Problem(f"git tag {tag}", 0, f"{spec.id} already has the version {date} (tag {earlier.tag}); delete one of the two tags"))
            continue
        path, blob = found[0]
        versions[spec.slug][date] = Version(spec.slug, date, tag, blob, path)
    return {slug: [by_date[d] for d in sorted(by_date)] for slug, by_date in versions.items()}, problems


def split_source(text: str) -> tuple[str, str]:
    """(front matter YAML or "", body). A source from before front matter began
    with a hand-written title and header: its body starts at the first `## ` heading."""
    split = split_front_matter(text)
    if split:
        return split
    first = _LEGACY_BODY.search(text)
    return "", text[first.start():] if first else text


def date_problem(version: Version, meta_date: str) -> Problem | None:
    """A tag whose date is not the date the source gives its version."""
    if meta_date and meta_date != version.date:
        return Problem(f"git tag {version.tag}", 0, f"the source at the tag says date: {meta_date}; delete the tag (git tag -d {version.tag}) and tag the version as {version.tag.split('/')[0]}/{meta_date}")
    return None


_LINK = re.compile(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))")
_REF = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(\S+)", re.MULTILINE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def absolute_links(markdown: str, page: str, site_url: str) -> str:
    """Relative links of a source rendered at another path, made absolute URLs of the
    page they named (then the site's redirects take them wherever it went since).

    page: the docs path the source was published at ("specs/cdsc-wg1-01/index.md").
    """
    def absolute(target: str) -> str:
        if target.startswith(("#", "/")) or _SCHEME.match(target):
            return target
        path, hash_, anchor = target.partition("#")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if joined.startswith(".."):
            return target
        if joined.endswith(".md"):
            stem = joined[:-3]
            joined = stem[: -len("index")] if stem == "index" or stem.endswith("/index") else stem
        return site_url + joined + hash_ + anchor

    markdown = _LINK.sub(lambda m: m.group(1) + absolute(m.group(2)) + m.group(3), markdown)
    return _REF.sub(lambda m: m.group(1) + absolute(m.group(2)), markdown)


LATEST_IDS = "@@specsites-latest-ids@@"  # filled once the latest page's ids are known


def old_version_banner(meta: SpecMeta, this: Version, site_url: str, latest_date: str) -> str:
    """The warning on a version that is not the latest; its link follows the reader's
    #section to the latest version when the latest still has that id."""
    latest = f"{site_url}specs/{meta.slug}/"
    return (
        f'<div class="admonition warning specsites-old-version" data-latest-ids="{LATEST_IDS}">\n'
        f'<p class="admonition-title">Superseded version</p>\n'
        f"<p>This is the {this.date} version of {html.escape(meta.id)}, superseded by a newer version: "
        f'<a class="specsites-latest-link" href="{latest}">the latest version</a> ({latest_date}).</p>\n'
        "</div>\n"
        "<script>(function(){var b=document.currentScript.previousElementSibling,"
        "a=b.querySelector('.specsites-latest-link'),ids=b.getAttribute('data-latest-ids').split(' ');"
        "function f(){var h=decodeURIComponent(location.hash.slice(1));"
        "a.hash=ids.indexOf(h)>=0?h:'';}f();addEventListener('hashchange',f);})();</script>\n"
    )


def _front(title: str) -> str:
    import yaml

    # Old versions and their diffs stay out of the search index and the sitemap
    # (docs/overrides/sitemap.xml): readers and search engines want today's text.
    return "---\n" + yaml.safe_dump({"title": title, "search": {"exclude": True}, "specsites_version": True}, allow_unicode=True) + "---\n"


def version_page_markdown(meta: SpecMeta, latest: SpecMeta, this: Version, versions: list[Version], body: str, publisher, lists: str) -> str:
    """The page of one version: its dated title, selector, banner (when a newer text
    exists), header, and the source's body as it was at the tag (links made absolute
    by the caller).

    meta: the spec as the tagged source describes it; latest: as it is now.
    publisher: spec_header.Publisher; lists: the "Other drafts" Markdown for the marker.
    """
    from specsites.pages.spec_header import spec_page_top
    from specsites.sources.spec_meta import OTHER_DRAFTS_MARKER

    newest = versions[-1]
    banner = old_version_banner(meta, this, publisher.site_url, newest.date) if this != newest else ""
    parts = [_front(f"{meta.name} ({this.date})"), spec_page_top(meta, publisher, this, versions, banner=banner)]
    if meta.status == "Draft":
        parts.append('!!! warning "Draft"\n    This version is a working draft. Later versions may change it in incompatible ways.\n')
    return "\n".join(parts) + "\n" + body.replace(OTHER_DRAFTS_MARKER, lists)


def changes_page_markdown(meta: SpecMeta, this: Version, previous: tuple[Version, str] | None, body: str, site_url: str, render) -> str:
    """The page listing what changed since the previous version, section by section
    (render: a section's Markdown to HTML, version_diff.section_renderer)."""
    from specsites.pages.version_diff import changes_markdown, compare, first_version_markdown

    front = _front(f"Changes in {meta.name} ({this.date})")
    if previous is None:
        return front + first_version_markdown(meta.name, this.date, site_url + this.url)
    before, before_body = previous
    links = {"before": site_url + before.url, "after": site_url + this.url}
    return front + changes_markdown(meta.name, before.date, this.date, compare(before_body, body), links, render)

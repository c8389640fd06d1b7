"""Each tagged version's page and changes page: which to render, their Markdown, and
the rendered pages kept between builds (version_cache).

Engine-neutral: a plan of Markdown pages by docs path, and entries by output path
for the pages the cache holds; the engine renders the first, the caller writes the
second as they are.
"""
from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field

from specsites.checks.site_checks import PageFacts
from specsites.pages import version_cache
from specsites.pages.versions import LATEST_IDS, Version, absolute_links, changes_page_markdown, split_source, version_list, version_page_markdown
from specsites.sources.sites import Repository, md_to_html
from specsites.sources.spec_meta import SpecMeta, other_drafts, parse_spec_meta
from specsites.stages.site_context import SiteContext
from specsites.urls import page_url, served_forms


@dataclass(frozen=True)
class VersionPage:
    markdown: str
    shown: str  # where its text comes from, as messages name it: "<source> at tag <tag>"
    key: str  # its cache key


@dataclass
class VersionPlan:
    render: dict[str, VersionPage] = field(default_factory=dict)  # docs path -> page to render
    cached: dict[str, dict] = field(default_factory=dict)  # output path -> cache entry (with "spec")


def plan_versions(context: SiteContext, use_cache: bool = True) -> VersionPlan:
    """The site's version and changes pages: rendered when the cache does not hold
    them as they would come out now, else taken from it.

    The cache key is made of the page's inputs (the frame, the blobs, the version
    list), so a hit costs no Markdown work at all, not even the diff. Without
    use_cache, every page is rendered (an engine that does not hand its pages back)."""
    plan = VersionPlan()
    own = [s for s in context.own_specs if context.versions.versions.get(s.slug)]
    if not own:
        return plan
    frame = version_frame(context.repo, context.specs, context.linker.base_urls)
    for spec in own:
        versions = context.versions.versions[spec.slug]
        listed = [(v.tag, v.blob) for v in versions]
        for index, version in enumerate(versions):
            previous = versions[index - 1].blob if index else ""
            for kind, path, inputs in (("page", version.page, listed), ("changes", version.changes_page, previous)):
                key = version_cache.version_key(frame, kind, version.tag, version.blob, inputs)
                entry = version_cache.load(key) if use_cache else None
                if entry is not None:
                    plan.cached[md_to_html(path)] = {**entry, "spec": spec.slug}
                    continue
                markdown = version_markdown(context, spec, versions, index, kind)
                plan.render[path] = VersionPage(markdown, f"{version.source} at tag {version.tag}", key)
    return plan


def version_markdown(context: SiteContext, spec: SpecMeta, versions: list[Version], index: int, kind: str) -> str:
    """The Markdown of a version's page, or of its changes page."""
    base = context.base_url
    version = versions[index]
    if kind == "changes":
        previous = (versions[index - 1], _version_body(context, versions[index - 1])[1]) if index else None
        return changes_page_markdown(spec, version, previous, _version_body(context, version)[1], base)
    front, body = _version_body(context, version)
    others = absolute_links(other_drafts(spec, context.specs, context.production_urls), spec.page, base)
    lists = version_list(spec, base, version, versions) + "\n" + others
    meta = _meta_at(context.versions.texts[version.blob], front, spec, version)
    return version_page_markdown(meta, spec, version, versions, body, base, lists)


def _version_body(context: SiteContext, version: Version) -> tuple[str, str]:
    """A version's front matter and body, its relative links made absolute URLs of
    the pages they named on the site it was published on."""
    front, body = split_source(context.versions.texts[version.blob])
    old_site = version.source.split("/", 1)[0]
    tag_slug = version.tag.split("/", 1)[0]
    return front, absolute_links(body, f"specs/{tag_slug}/index.md", context.linker.base_urls.get(old_site, context.base_url))


def version_frame(repo: Repository, specs: list[SpecMeta], urls: dict[str, str]) -> dict:
    """What a version page is made from besides its own Markdown: the theme, configs,
    pages (the nav) and this tool's code (every source but the spec texts, whose
    metadata counts instead), the sites' addresses, and the libraries' versions."""
    from importlib.metadata import version as installed

    from specsites.checks.output_stamp import source_digests

    digests = {p: d for p, d in source_digests(repo).items() if "/specifications/" not in p and p != "published-urls.yml"}
    libraries = {name: installed(name) for name in ("mkdocs", "mkdocs-material", "Markdown", "pymdown-extensions")}
    return {"sources": digests, "specs": [repr(s) for s in specs], "urls": urls, "libraries": libraries}


def _meta_at(text: str, front: str, now: SpecMeta, version: Version) -> SpecMeta:
    """The spec as its source at the tag describes it; a source from before front
    matter (or one that no longer reads) takes today's metadata with the tag's date."""
    if front:
        meta, problems = parse_spec_meta(text, version.tag, now.site, version.tag.split("/", 1)[0], now.has_overview)
        if meta is not None and not problems:
            return dataclasses.replace(meta, slug=now.slug, site=now.site)
    return dataclasses.replace(now, date=version.date)


def spec_of(docs_path: str) -> str:
    """The spec slug of a version page's docs path (specs/<slug>/...)."""
    return docs_path.split("/")[1]


def with_latest_ids(output: str, latest: PageFacts | None) -> str:
    """The old-version banner learns which sections the latest version still has."""
    return output.replace(LATEST_IDS, html.escape(" ".join(sorted(latest.ids)) if latest else ""), 1)


def keep_rendered(key: str, output: str, published: list[str], facts: PageFacts) -> None:
    """A rendered version page and its facts into the cache, for the next build."""
    version_cache.store(key, {
        "html": output, "published": published, "ids": sorted(facts.ids),
        "headings": facts.headings, "heading_lines": facts.heading_lines, "source": facts.source,
    })


def cached_pages(cached: dict[str, dict], facts: dict[str, PageFacts], published: dict[str, list[str]]) -> dict[str, str]:
    """The version pages the cache held: their facts and published ids recorded as if
    rendered (into facts and published), and their files by output path."""
    files = {}
    for dest, entry in cached.items():
        url = page_url(dest)
        published[served_forms(url)[0]] = list(entry.get("published", []))
        facts[url] = PageFacts(url, entry.get("source", ""), frozenset(entry.get("ids", [])), dict(entry.get("headings", {})), dict(entry.get("heading_lines", {})))
        files[dest] = with_latest_ids(entry["html"], facts.get(f"specs/{entry['spec']}/"))
    return files

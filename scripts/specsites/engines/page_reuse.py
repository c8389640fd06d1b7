"""A page's rendering taken over from the previous build when nothing it was made from
changed (issue 28): `specsites build` renders only what an edit touches.

A page is made in two steps (parallel_pages): Markdown to HTML, then the theme's
template around it. Each step's inputs get a key:

- the Markdown key: the site key (below), the page's place (source and output path)
  and its source's bytes. A page with the previous build's Markdown key gets that
  build's rendered state back (content, table of contents, title, metadata, anchors)
  and what the plugins recorded for it (facts, links), instead of being rendered;
- the page key: the Markdown key and the navigation key (every page's path, title
  and metadata: what the navigation and the previous/next links show). A page with
  the previous build's page key has its output file copied from the previous output,
  and its search entries and published ids taken from the record.

The site key covers every input that is not one page's own source: the tool's code,
the installed engine's versions, every configuration, what pages show of the map
(map_shown_on_pages: the moved-specifications lists and the section scripts, not
the whole map, so one more redirect renders no page again), the inventory, the
shared snippets, assets and theme overrides, the names of every site's pages (links
resolve against them, the redirects are planned from them), the specs' metadata, the
version tags and the commit (a spec shows the date of its last commit), where every
site is served, and the build's date. Any change there renders everything again;
a page's own edit renders that page, and everything around it only when it changes
its title or metadata (the navigation of every page shows them).

What a build recorded is kept beside the output's stamp, one file per site, and
vouches only for the output it was written with: it is removed before an output is
swapped and written after. Only a build that succeeded is recorded; version pages (they have their own cache),
drafts and a page whose state is not plain data are always rendered.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from specsites.checks.output_stamp import read_json_object
from specsites.checks.site_checks import LinkRef, PageFacts

RECORDS = ".specsites-pages"  # the folder beside the output's stamp: <site>.json each
RECORD_VERSION = 1


@dataclass
class PageReuse:
    """What one site's build may take from the previous one, and what it records."""

    site_key: str
    previous_folder: Path | None = None  # the site's previous output
    previous: dict[str, dict] = field(default_factory=dict)  # src_uri -> its record there
    record: dict[str, dict] = field(default_factory=dict)  # this build's, src_uri -> record
    reused_markdown: int = 0  # pages whose Markdown was not rendered again
    reused_pages: int = 0  # pages whose output file was taken over
    inside: dict[str, bool] = field(default_factory=dict)  # previous output's folders: inside it?

    def as_json(self) -> dict:
        """This build's record: the pages recorded whole (a page whose state could not
        be written as JSON, a version page or a draft is left out: always rendered)."""
        pages = {src: entry for src, entry in self.record.items() if entry.get("md") and all(k in entry for k in _RECORDED)}
        return {"version": RECORD_VERSION, "site_key": self.site_key, "pages": pages}


_RECORDED = ("dest", "state", "specsites_md", "page", "search", "specsites_page")


def digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()[:32]


def load_reuse(out: Path, site: str, site_key: str) -> PageReuse:
    """What the output in `out` recorded of the site's pages, when it was built from
    the same site key (else nothing to reuse)."""
    reuse = PageReuse(site_key)
    folder = out / site
    recorded = read_json_object(out / RECORDS / f"{site}.json")
    if recorded.get("version") == RECORD_VERSION and recorded.get("site_key") == site_key and folder.is_dir() and not folder.is_symlink():
        pages = recorded.get("pages")
        if isinstance(pages, dict):
            reuse.previous_folder, reuse.previous = folder, pages
    return reuse


def forget_records(out: Path, sites: list[str]) -> None:
    """Stop vouching for these sites' outputs: they are about to be replaced."""
    for site in sites:
        try:
            (out / RECORDS / f"{site}.json").unlink()
        except FileNotFoundError:
            pass


def write_records(out: Path, records: dict[str, dict]) -> None:
    """Each site's record beside the output, through the one safe writer (never
    through a link a hostile folder could hold), all or none."""
    from specsites.machinery.safe_write import write_files

    folder = out / RECORDS
    write_files(out, {folder / f"{site}.json": json.dumps(record, separators=(",", ":")) for site, record in records.items()})


def take_page_file(reuse: PageReuse, dest_uri: str, site_dir: Path) -> bool:
    """Put a page's previous output file into the new output; False when it is not
    there as a plain file inside the previous output (then the page is rendered).

    A hard link where the file system allows (the previous output is removed once the
    new one is in place, and no build writes into a file it did not create), else a
    copy."""
    if reuse.previous_folder is None:
        return False
    source = os.path.join(reuse.previous_folder, dest_uri)
    folder = os.path.dirname(source)
    inside = reuse.inside.get(folder)
    if inside is None:  # each folder's real place once: a folder made a symlink must not lead out
        root = os.path.realpath(reuse.previous_folder)
        real = os.path.realpath(folder)
        inside = reuse.inside[folder] = real == root or real.startswith(root + os.sep)
    try:
        if not inside or not stat.S_ISREG(os.lstat(source).st_mode):
            return False
        target = os.path.join(site_dir, dest_uri)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            shutil.copyfile(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


# --- a page's rendered state and the plugins' records, as JSON -------------------


class NotRecordable(Exception):
    """A value this module cannot write as JSON and read back as it was."""


def encode(value: Any) -> Any:
    from mkdocs.structure.toc import AnchorLink, TableOfContents

    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value) is list:
        return [encode(v) for v in value]
    if type(value) is tuple:
        return {"$tuple": [encode(v) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"$dict": {k: encode(v) for k, v in value.items()}}
    if type(value) in (set, frozenset):
        items = [encode(v) for v in value]
        if not all(isinstance(v, str) for v in items):
            raise NotRecordable(type(value).__name__)
        return {"$set": sorted(items), "frozen": type(value) is frozenset}
    if type(value) is datetime.datetime:
        return {"$datetime": value.isoformat()}
    if type(value) is datetime.date:
        return {"$date": value.isoformat()}
    if type(value) is TableOfContents:
        return {"$toc": [encode(link) for link in value]}
    if type(value) is AnchorLink:
        return {"$anchor": [value.title, value.id, value.level, [encode(c) for c in value.children]]}
    raise NotRecordable(type(value).__name__)


def decode(value: Any) -> Any:
    from mkdocs.structure.toc import AnchorLink, TableOfContents

    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$dict" in value:
        return {k: decode(v) for k, v in value["$dict"].items()}
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$set" in value:
        return (frozenset if value.get("frozen") else set)(value["$set"])
    if "$datetime" in value:
        return datetime.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return datetime.date.fromisoformat(value["$date"])
    if "$toc" in value:
        return TableOfContents([decode(link) for link in value["$toc"]])
    if "$anchor" in value:
        title, id_, level, children = value["$anchor"]
        link = AnchorLink(title, id_, level)
        link.children = [decode(c) for c in children]
        return link
    raise NotRecordable(f"unknown record {sorted(value)[:3]}")


def encode_specsites(data: dict[str, Any]) -> dict[str, Any]:
    """Our plugin's records for a page (parallel_pages._SpecSitesGatherer.since)."""
    return {
        "links": [asdict(link) for link in data.get("links", [])],
        "warnings": [str(w) for w in data.get("warnings", [])],
        "facts": {url: {**asdict(f), "ids": sorted(f.ids)} for url, f in data.get("facts", {}).items()},
        "published": encode(dict(data.get("published", {}))),
        "page_state": encode(dict(data.get("page_state", {}))),
    }


def decode_specsites(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "links": [LinkRef(**link) for link in data["links"]],
        "warnings": [],  # a recorded build had none (strict)
        "facts": {url: PageFacts(**{**f, "ids": frozenset(f["ids"])}) for url, f in data["facts"].items()},
        "published": decode(data["published"]),
        "page_state": decode(data["page_state"]),
    }


# --- the keys -----------------------------------------------------------------------

ENGINE_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "Markdown", "Pygments", "Jinja2", "PyYAML")


def is_page_source(path: str, site_names: list[str]) -> bool:
    """Whether a path of source_digests is one page's own source (keyed per page)."""
    from specsites.sources.sites import SHARED_DOCS, SHARED_NOT_PAGES, SPECIFICATIONS

    if not path.endswith(".md"):
        return False
    head, _, rest = path.partition("/")
    if head == SHARED_DOCS:
        return rest.partition("/")[0] not in SHARED_NOT_PAGES
    if head in site_names:
        folder, _, name = rest.partition("/")
        return folder == "docs" or (folder == SPECIFICATIONS and "/" not in name)
    return False


def site_keys(repo, digests: dict[str, str], base_urls: dict[str, str], specs: list, plan) -> dict[str, str]:
    """Each site's key: every input of its pages but the pages' own sources, and of
    the map only what pages show of it."""
    from importlib.metadata import PackageNotFoundError, version

    from mkdocs.utils import get_build_date

    from specsites.machinery.git_utils import GitError, git

    try:
        head = git("rev-parse", "HEAD", cwd=repo.root)
    except (GitError, OSError):
        head = ""

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return ""

    the_map = repo.redirects_file.relative_to(repo.root).as_posix()
    common = digest(
        {path: "page" if is_page_source(path, repo.names) else "shown below" if path == the_map else value for path, value in digests.items()},
        map_shown_on_pages(plan, repo),
        [installed(name) for name in ENGINE_PACKAGES], head, get_build_date(), base_urls, [repr(spec) for spec in specs],
    )
    return {site.name: digest(common, site.name) for site in repo.sites}


def map_shown_on_pages(plan, repo) -> list:
    """What pages show of the map: the moved-specifications lists and the scripts of
    pages whose sections moved. Without the entries' lines, which any edit above shifts."""
    from specsites.pages.moved_specs import moved_spec_redirects

    def shown(site: str, redirect) -> tuple:
        return (site, redirect.key, redirect.to, sorted(redirect.anchors.items()))

    return [shown(site, r) for site, r in moved_spec_redirects(plan, repo)] + [
        shown(site.name, r) for site in repo.sites for r in plan.section_moves(site.name)]


def markdown_key(reuse: PageReuse, page) -> str | None:
    """The page's Markdown key; None when it cannot be reused (no source file)."""
    path = page.file.abs_src_path
    if not path:
        return None
    try:
        source = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
    return digest(reuse.site_key, page.file.src_uri, page.file.dest_uri, source)


def navigation_key(pages: list) -> str:
    """What every page's navigation and previous/next links show of the pages."""
    return digest([(page.file.src_uri, page.file.dest_uri, page.title, page.meta) for page in pages])

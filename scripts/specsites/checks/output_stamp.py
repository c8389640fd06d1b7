"""What a build's output was made from, so a check never judges a stale one.

`specsites build` records, in the output folder's mark file, a digest of every
source file the build read (and of this tool's own code), the URL each site was
built for, and each page's ids and headings. `specsites check` compares the
digests with the work tree before it follows anything.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from specsites.errors import SpecSitesError
from specsites.redirects.folders import PreviousOutput, RedirectFiles
from specsites.checks.site_checks import PageFacts, SiteFacts
from specsites.sources.config import BASE_CONFIG
from specsites.sources.sites import Repository
from specsites.sources.source_files import read_source
from specsites.machinery.safe_write import write_file

STAMP = ".specsites-output"  # in an output folder: specsites made it, and from what
_TOOL = Path(__file__).resolve().parents[1]  # the package, every layer of it
VERSION_TAGS = "the version tags (git tag -l 'cdsc-*')"


def source_digests(repo: Repository) -> dict[str, str]:
    """POSIX path (relative to the repository; `specsites/...` for the tool) -> digest
    of every file a build reads."""
    from specsites.sources.inventory import FILENAME as INVENTORY

    digests: dict[str, str] = {}
    for path in (repo.root / BASE_CONFIG, repo.redirects_file, repo.root / INVENTORY):
        if path.is_file():
            digests[path.relative_to(repo.root).as_posix()] = _digest(path)
    outputs = {site.plain_output for site in repo.sites}  # a plain mkdocs build's, not a source
    for folder in (repo.shared_docs, *(site.folder for site in repo.sites)):
        for file in _walk(folder, outputs):
            digests[file.relative_to(repo.root).as_posix()] = _digest(file)
    # Versions come from git tags, which no file shows: a moved or deleted tag is a change too.
    from specsites.sources.sites import all_specs_lenient, spec_versions

    try:
        digests[VERSION_TAGS] = spec_versions(repo, all_specs_lenient(repo))[0].digest
    except SpecSitesError:
        digests[VERSION_TAGS] = "unreadable"
    for file in _walk(_TOOL):
        if file.suffix in (".py", ".json", ".html"):
            digests["specsites/" + file.relative_to(_TOOL).as_posix()] = _digest(file)
    return digests


def _walk(folder: Path, skip: set[Path] = frozenset()) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__" and Path(dirpath) / d not in skip)
        found.extend(Path(dirpath) / name for name in sorted(filenames) if not name.startswith("."))
    return found


def _digest(path: Path) -> str:
    return hashlib.sha256(read_source(path)).hexdigest()[:20]


def write_stamp(out: Path, digests: dict[str, str], base_urls: dict[str, str], facts: dict[str, SiteFacts]) -> None:
    """Record the sites just built; sites built earlier into the same output keep
    their entries (a `--site` build replaces only its own)."""
    stamp = read_stamp(out)
    for site, pages in facts.items():
        stamp[site] = {
            "sources": digests,
            "base_url": base_urls[site],
            "pages": {url: {"ids": sorted(p.ids), "headings": p.headings, "source": p.source} for url, p in sorted(pages.items())},
        }
    _write_json(out / STAMP, stamp)


def _write_json(path: Path, data: dict, sort_keys: bool = True) -> None:
    write_file(path.parent, path, json.dumps(data, sort_keys=sort_keys, separators=(",", ":")))


# Beside the stamp and apart from it (the check reads the stamp; this is some 10 MB
# at 100,000 redirects): each site's redirect folders, for the next build to reuse.
REDIRECT_FOLDERS = ".specsites-redirect-folders"


def read_json_object(path: Path) -> dict:
    """A JSON object the tool wrote beside an output; {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def previous_outputs(out: Path, sites: list[str]) -> dict[str, PreviousOutput]:
    """Each site's output already in `out`, with the redirect folders it recorded
    (none for a site not built there yet, or not by this version)."""
    recorded = read_json_object(out / REDIRECT_FOLDERS) if (out / STAMP).exists() else {}
    return {site: PreviousOutput(str(out / site), RedirectFiles.from_json(recorded.get(site) if (out / site).is_dir() else None)) for site in sites}


def record_redirect_folders(out: Path, records: dict[str, RedirectFiles]) -> None:
    """Record the sites' redirect folders; other sites keep theirs."""
    recorded = read_json_object(out / REDIRECT_FOLDERS)
    recorded.update({site: record.as_json() for site, record in records.items()})
    _write_json(out / REDIRECT_FOLDERS, recorded, sort_keys=False)  # in the plan's order already: 185,000 keys at 100k


def forget_redirect_folders(out: Path, sites: list[str]) -> None:
    """Stop vouching for the sites' redirect folders: they are about to move."""
    recorded = read_json_object(out / REDIRECT_FOLDERS)
    if any(site in recorded for site in sites):
        _write_json(out / REDIRECT_FOLDERS, {site: entry for site, entry in recorded.items() if site not in sites}, sort_keys=False)


def read_stamp(out: Path) -> dict:
    return read_json_object(out / STAMP)


def stamped_facts(stamp: dict) -> dict[str, SiteFacts]:
    """Each built site's page facts, as the build recorded them."""
    facts: dict[str, SiteFacts] = {}
    for site, entry in stamp.items():
        pages = entry.get("pages", {}) if isinstance(entry, dict) else {}
        facts[site] = {url: PageFacts(url, p.get("source", ""), frozenset(p.get("ids", [])), dict(p.get("headings", {}))) for url, p in pages.items()}
    return facts


def staleness(stamp: dict, site: str, digests: dict[str, str], base_url: str) -> str:
    """Why site's output does not show the work tree as it is now; "" when it does."""
    entry = stamp.get(site)
    if not isinstance(entry, dict) or "sources" not in entry:
        return "was not built by this version of specsites build"
    if entry.get("base_url") != base_url:
        return f"was built for {entry.get('base_url')}, not {base_url}"
    built = entry["sources"]
    for path in sorted(set(built) | set(digests)):
        if path not in digests:
            return f"was built when {path} existed"
        if path not in built:
            return f"was built before {path} existed"
        if built[path] != digests[path]:
            return f"was built before the last change to {path}"
    return ""


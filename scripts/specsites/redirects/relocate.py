"""Where a published URL that is no page now lives, judged from the sites' pages: the
"did you mean" of the build, the check and `check --fix`.

Pure. Git renames come first where the caller can read git
(sources/git_renames.py); after them: a spec's URLs follow the spec to the site that has it
now (one folder move for its page, overview and versions), and only then the
nearest URL by spelling, never another spec's: a cited version of one spec must not
be sent to another spec.
"""
from __future__ import annotations

import difflib
import re

# /specs/<id>/... : a spec's page, its overview, its versions and their changes pages
_SPEC_URL = re.compile(r"^/specs/([^/]+)(?:/|$)")
_VERSION_URL = re.compile(r"^/specs/[^/]+/\d{4}-\d{2}-\d{2}(?:/|$)")


def spec_of(path: str) -> str:
    """The spec a URL path belongs to ("" for none): its file name, from /specs/<id>/..."""
    match = _SPEC_URL.match(path)
    return match.group(1) if match and match.group(1) != "index.html" else ""


def is_version_url(path: str) -> bool:
    return bool(_VERSION_URL.match(path))


def nearest_path(path: str, known: list[str], cutoff: float = 0.6) -> str:
    """The known URL path spelled most like path ("" if none is close), never one of
    another spec when path is one of a spec's (its page, overview, versions): a
    spec's id differs from another's by a digit, and the other is other text."""
    if spec := spec_of(path):
        known = [k for k in known if spec_of(k) == spec]
    close = difflib.get_close_matches(path, known, n=1, cutoff=cutoff)
    return close[0] if close else ""


def spec_moved_to(site: str, path: str, pages: dict[str, dict[str, str]]) -> str:
    """For a URL under /specs/<id>/ that is no page of site, the other site that has
    the spec's page now ("" if none, or if site still has it)."""
    spec = spec_of(path)
    if not spec:
        return ""
    key = f"specs/{spec}"
    if key in pages.get(site, {}):
        return ""
    return next((other for other in sorted(pages) if other != site and key in pages[other]), "")


def folder_entry(site: str, spec: str, on: str, new_spec: str | None = None) -> str:
    """The redirects.yml entry (under `site:`) that moves every URL of a spec's folder."""
    target = f"/specs/{new_spec or spec}/*"
    return f"/specs/{spec}/*: {target if on == site else f'{on}:{target}'}"

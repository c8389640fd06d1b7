"""A site's redirects in its output: the redirect pages, the anchor script of pages
that lost sections, the hosts' rule files, and the redirect folders a rebuild takes
from the previous output instead of writing them.

Engine-neutral: plain paths and strings; run after the engine wrote the pages.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from specsites.machinery.output_files import reuse_leftovers, write_generated_files
from specsites.redirects.folders import PreviousOutput, RedirectFiles, Reuse, occupied_folders, plan_reuse, redirect_files
from specsites.redirects.linker import Linker
from specsites.redirects.page import anchor_script, redirect_page_files
from specsites.redirects.plan import Redirect, collector_paused
from specsites.redirects.server_rules import server_rule_files


def with_anchor_script(output: str, redirect: Redirect | None, linker: Linker) -> str:
    """A page that stays but had sections moved out sends their old anchors on."""
    if redirect is None:
        return output
    return output.replace("</head>", anchor_script(redirect, linker) + "</head>", 1)


def redirect_pages(redirects: list[Redirect], linker: Linker, title_of: Callable[[Redirect], str], site_titles: dict[str, str] | None = None) -> dict[str, str]:
    """Every redirect page of a site, by output path (site_titles: each site's name, for
    a page that moved to another working group's site)."""
    with collector_paused():  # one page for all of a redirect's files: targets are not relative
        return redirect_page_files(redirects, linker, title_of, site_titles)


def host_rules(redirects: list[Redirect], linker: Linker) -> dict[str, str]:
    """_redirects, netlify.toml and the nginx include, by output path."""
    return server_rule_files(redirects, linker)


def plan_folder_reuse(site_dir: Path, pages: dict[str, str], others: dict[str, str], previous: PreviousOutput | None) -> tuple[RedirectFiles, Reuse]:
    """This build's redirect folders (for the next build to reuse) and which of them
    to take from the previous output (redirect_folders.py); none without one."""
    if previous is None:  # a plain engine build or the preview: nothing to record or reuse
        return RedirectFiles(), Reuse()
    occupied = occupied_folders(list(others))
    for folder, _, _ in os.walk(site_dir):  # what the engine and its plugins wrote
        occupied.add(os.path.relpath(folder, site_dir).replace(os.sep, "/").removeprefix("."))
    files = redirect_files(pages, occupied)
    return files, plan_reuse(files, previous.recorded, lambda folder: os.path.isdir(os.path.join(previous.folder, folder)))


def write_site_files(site_dir: Path, pages: dict[str, str], others: dict[str, str], page_files: set[str], source: str, reuse: Reuse) -> None:
    """The redirect pages and other files beside the engine's pages, all or none;
    the pages of reused folders beside the site folder, for the caller to move in.
    SpecSitesError when one would replace a page or leave the folder."""
    write_generated_files(site_dir, pages | others, page_files, source, reuse.folders)
    if reuse.write:
        write_generated_files(reuse_leftovers(site_dir)[0], {p: pages[p] for p in reuse.write}, set(), source)

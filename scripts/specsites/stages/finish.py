"""The finish stage: the files written beside an engine's pages, and their writing.

Engine-neutral: the redirect pages, the hosts' rules, the 404 page's index of known
URLs, `.nojekyll` and (in production) `CNAME`, from a planned SiteContext.
"""
from __future__ import annotations

from pathlib import Path

from specsites.pages.readers import destination_title, known_urls_file
from specsites.redirects.folders import PreviousOutput, RedirectFiles, Reuse
from specsites.redirects.site_output import host_rules, plan_folder_reuse, redirect_pages, write_site_files
from specsites.stages.site_context import SiteContext


def finish_files(context: SiteContext) -> tuple[dict[str, str], dict[str, str]]:
    """The redirect pages, and the other files written besides the pages."""
    assert context.plan is not None
    redirects = context.plan.redirects.get(context.name, [])
    pages = redirect_pages(redirects, context.linker, lambda r: destination_title(r, context.name, context.titles, context.labels),
                           {name: label.title for name, label in context.labels.items()})
    others = {
        **host_rules(redirects, context.linker),
        ".nojekyll": "",
        **known_urls_file(context.repo, context.name, context.plan, context.linker, context.titles),
    }
    if context.is_production:
        others["CNAME"] = context.site.production_host + "\n"  # a staging copy must not claim the domain
    return pages, others


def write_finish(context: SiteContext, site_dir: Path, files: tuple[dict[str, str], dict[str, str]], page_files: set[str],
                 previous: PreviousOutput | None) -> tuple[RedirectFiles, Reuse]:
    """Write the finish files into site_dir (reused redirect folders left to the
    caller); this build's redirect folders and what to reuse."""
    pages, others = files
    recorded, reuse = plan_folder_reuse(site_dir, pages, others, previous)
    write_site_files(site_dir, pages, others, page_files, context.repo.redirects_file.name, reuse)
    return recorded, reuse


def build_stats(context: SiteContext, published: dict[str, list[str]]) -> dict[str, int]:
    """The counts `specsites build` prints for a site."""
    assert context.plan is not None
    moved = context.plan.moved(context.name)
    return {
        "pages": len(published),
        "redirects": sum(1 for r in moved if r.to is not None),
        "aliases": sum(1 for r in context.plan.redirects.get(context.name, []) if r.is_alias),
    }

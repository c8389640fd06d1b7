"""Pages an engine rendered from a prepared folder, finished as the plugin finishes
them in its page events: each page's facts and links gathered, the anchor script of
a page that lost sections, links to a copy, the old-version banner's ids.

Engine-neutral: the prepared pages' output files, read and rewritten in place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from specsites.checks import page_facts
from specsites.checks.site_checks import LinkRef, PageFacts
from specsites.errors import Problem
from specsites.pages import version_pages
from specsites.pages.copy_links import links_to_copies
from specsites.redirects.site_output import with_anchor_script
from specsites.stages.prepare import Prepared
from specsites.stages.site_context import SiteContext
from specsites.urls import page_url, served_forms

# The page's own content in a Material-like theme's page: what MkDocs hands its
# plugins as a page's HTML (the theme's own ids are not the page's).
_CONTENT = re.compile(r'<article class="md-content__inner[^"]*">(.*)</article>', re.DOTALL)
# Zensical's theme puts the skip link's target inside the article; it is the theme's.
_SKIP_TARGET = re.compile(r'<a id="__skip"[^>]*></a>')


@dataclass
class RenderedSite:
    facts: dict[str, PageFacts] = field(default_factory=dict)
    links: list[LinkRef] = field(default_factory=list)
    published: dict[str, list[str]] = field(default_factory=dict)  # URL -> section ids
    problems: list[Problem] = field(default_factory=list)


def finish_pages(context: SiteContext, prepared: Prepared, output: Path) -> RenderedSite:
    """Every prepared page's output file in `output`, finished; a page the engine did
    not write is a problem naming its source."""
    done = RenderedSite()
    texts: dict[str, str] = {}
    for name, page in prepared.pages.items():
        path = output / name
        if not path.is_file():
            done.problems.append(Problem(page.shown, 0, f"the engine wrote no {name} for this page; see its messages above"))
            continue
        text = path.read_text(encoding="utf-8")
        match = _CONTENT.search(text)
        content = _SKIP_TARGET.sub("", match.group(1)) if match else ""
        url = page_url(name)
        facts, problems = page_facts.page_facts(content, url, page.shown, page.source, page_facts.html_sections(content), page.historic)
        done.facts[url] = facts
        done.problems += problems
        done.published[served_forms(url)[0]] = list(facts.headings)
        if not page.historic:
            done.links += page_facts.page_links(content, page.shown, page.source, context.production_urls)
        texts[name] = text
    for name, text in texts.items():
        text = with_anchor_script(text, context.section_redirects.get(name), context.linker)
        text = links_to_copies(text, context.production_urls, context.linker.base_urls)
        if prepared.pages[name].historic:
            text = version_pages.with_latest_ids(text, done.facts.get(f"specs/{name.split('/')[1]}/"))
        (output / name).write_text(text, encoding="utf-8")
    return done

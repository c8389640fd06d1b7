"""The standards header of a spec page and of each of its dated versions: what a
reader of W3C or IETF documents looks for first (this version and its dated URL,
the latest, the previous, the history, editors, where feedback goes, the status,
the abstract, how to cite it, the license), and the version selector by the title.

Pure: metadata and versions in, escaped HTML (and a few Markdown headings, so the
table of contents lists the abstract and status) out.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from specsites.pages.versions import Version
from specsites.sources.spec_meta import SpecMeta, spec_heading


@dataclass(frozen=True)
class Publisher:
    """What the header says about where a spec is published, from the site's config."""

    site_url: str  # where this build serves the site (production, preview or staging)
    consortium: str  # "Carbon Data Specification Consortium"
    license: str  # the specifications' license
    repository_issues: str = ""  # the site's repository's issues, when the spec names none


# One paragraph per status: what the document is, and what a reader may rely on.
STATUS_TEXT = {
    "Draft": (
        "This is a draft of {wg}. It is a work in progress: it may change in incompatible "
        "ways, and it is not endorsed by the {consortium}. Implement it only to try it out, "
        "and cite it as work in progress."
    ),
    "Candidate": (
        "This is a candidate specification of {wg}: the working group considers it complete "
        "and asks for implementation experience. Changes are expected only where implementers "
        "find problems."
    ),
    "Final": (
        "This is a final specification of the {consortium}, approved by {wg}. Its text does "
        "not change; corrections and extensions are published as new dated versions."
    ),
    "Superseded": (
        "This specification of {wg} is superseded: it is kept for reference and for existing "
        "implementations. New implementations should follow the specification that replaced it."
    ),
    "Withdrawn": (
        "{wg} has withdrawn this specification: work on it stopped, and it should not be "
        "implemented or cited as a current specification of the {consortium}."
    ),
}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _a(url: str, text: str | None = None) -> str:
    return f'<a href="{_e(url)}">{_e(url if text is None else text)}</a>'


def living_url(meta: SpecMeta, site_url: str) -> str:
    return f"{site_url}specs/{meta.slug}/"


def feedback_url(meta: SpecMeta, publisher: Publisher) -> str:
    return meta.issues or publisher.repository_issues


def _current(meta: SpecMeta, this: Version | None, versions: list[Version]) -> Version | None:
    """The dated version this text is: the version shown, or the tagged version whose
    date the living text still gives."""
    return this or next((v for v in versions if v.date == meta.date), None)


def header_html(meta: SpecMeta, publisher: Publisher, this: Version | None, versions: list[Version], last_updated: str = "") -> str:
    """The header block (a definition list) under the title."""
    base = publisher.site_url
    current = _current(meta, this, versions)
    index = versions.index(current) if current in versions else len(versions)
    previous = versions[index - 1] if index > 0 else None
    following = versions[index + 1] if this is not None and index + 1 < len(versions) else None
    latest = versions[-1] if versions else None
    rows: list[tuple[str, str]] = [("Status", f'<a href="#sotd">{_e(meta.status)}</a>')]
    if this is not None:
        rows.append(("This version", f"{_a(base + this.url)} ({_e(this.date)})"))
    else:
        updated = f", last updated {_e(last_updated)}" if last_updated else ""
        if current:
            dated = f" Its text of {_e(current.date)} is published as a dated version: {_a(base + current.url)}"
        else:
            dated = " Its text is newer than the latest dated version." if versions else " No dated version is published yet."
        rows.append(("This version", f"Editor's draft{updated}: the working text, which may change at any time.{dated}"))
    rows.append(("Latest published version", f"{_a(base + latest.url)} ({_e(latest.date)})" if latest else "none yet: no dated version is published"))
    rows.append(("Editor's draft", _a(living_url(meta, base))))
    if previous is not None:
        changes = f' (<a href="{_e(base + current.changes_url)}">changes since</a>)' if current else ""
        rows.append(("Previous version", f"{_a(base + previous.url, previous.date)}{changes}"))
    if following is not None:
        rows.append(("Next version", _a(base + following.url, following.date)))
    if versions:
        rows.append(("Version history", ", ".join(
            _a(base + v.url, v.date) + (" (this version)" if v == this else "")
            + f' (<a href="{_e(base + v.changes_url)}">changes</a>)' for v in reversed(versions))))
    if meta.previous_ids:
        rows.append(("Previous identifier", _e(", ".join(meta.previous_ids))))
    rows.append(("Working group", _e(meta.working_group)))
    rows.append(("Editors", "<br>".join(_e(str(editor)) for editor in meta.editors)))
    feedback = feedback_url(meta, publisher)
    if feedback:
        rows.append(("Feedback", _a(feedback, re.sub(r"^https://", "", feedback)) + (f" ({_e(meta.feedback)})" if meta.feedback else "")))
    elif meta.feedback:
        rows.append(("Feedback", _e(meta.feedback)))
    if publisher.license:
        rows.append(("License", _e(publisher.license)))
    rows.append(("Cite as", cite_html(meta, publisher, current, this is None)))
    body = "\n".join(f"<dt>{label}</dt>\n<dd>{value}</dd>" for label, value in rows)
    return f'<dl class="specsites-spec-header">\n{body}\n</dl>\n'


def citation_text(meta: SpecMeta, publisher: Publisher, current: Version | None, draft: bool) -> str:
    """The plain-text reference: editors, id and title, group, status, date, URL."""
    url = publisher.site_url + current.url if current and not draft else living_url(meta, publisher.site_url)
    kind = "Editor's draft" if draft else meta.status
    editors = ", ".join(e.name for e in meta.editors)
    date = current.date if current and not draft else meta.date
    return f"{editors}. {meta.id}: {meta.title}. {meta.working_group}, {publisher.consortium}. {kind}, {date}. {url}"


_BIB_UNSAFE = re.compile(r"[{}\\]")


def citation_bibtex(meta: SpecMeta, publisher: Publisher, current: Version | None, draft: bool) -> str:
    """The BibTeX entry: a techreport with the dated URL (braces in values dropped,
    so a value cannot end its field)."""
    def v(text: str) -> str:
        return _BIB_UNSAFE.sub("", text)

    dated = current is not None and not draft
    date = current.date if dated else meta.date
    url = publisher.site_url + current.url if dated else living_url(meta, publisher.site_url)
    key = f"{meta.slug}-{date}" if dated else f"{meta.slug}-draft"
    fields = [
        ("title", f"{meta.id}: {meta.title}"),
        ("author", " and ".join(e.name for e in meta.editors)),
        ("institution", publisher.consortium),
        ("type", "Editor's draft" if not dated else f"{meta.status} specification"),
        ("number", meta.id),
        ("year", date[:4]),
        ("month", date[5:7]),
        ("url", url),
        ("note", f"{meta.working_group}; {date}"),
    ]
    return f"@techreport{{{v(key)},\n" + ",\n".join(f"  {name} = {{{v(value)}}}" for name, value in fields) + "\n}"


def cite_html(meta: SpecMeta, publisher: Publisher, current: Version | None, draft: bool) -> str:
    """The reference in plain text, always shown (and printed), and in BibTeX on request."""
    return (
        f'<span class="specsites-cite-text">{_e(citation_text(meta, publisher, current, draft))}</span>'
        '<details class="specsites-cite"><summary>BibTeX</summary>'
        f'<pre class="specsites-cite-bibtex"><code>{_e(citation_bibtex(meta, publisher, current, draft))}</code></pre>'
        "</details>"
    )


def front_sections(meta: SpecMeta, publisher: Publisher, this: Version | None, latest_status: str = "") -> str:
    """The abstract and the status of this document, as sections of the page (their
    headings Markdown, so the table of contents lists them)."""
    parts = []
    if meta.abstract:
        paragraphs = [p for p in re.split(r"\n\s*\n", meta.abstract) if p.strip()]
        parts.append("## Abstract {#abstract}\n\n" + "\n".join(f'<p class="specsites-abstract">{_e(p.strip())}</p>' for p in paragraphs) + "\n")
    wg, consortium = _e(meta.working_group), _e(publisher.consortium)
    status = STATUS_TEXT[meta.status].format(wg=f"the {wg} working group", consortium=consortium)
    if this is None:
        where = "This page is the editor's draft: it shows the working text as it is now. Dated versions do not change once published; cite one of them."
    else:
        where = f"This is the version of {_e(this.date)}, published at a URL whose text does not change."
    feedback = feedback_url(meta, publisher)
    comments = f' Comments and issues are welcome at {_a(feedback)}.' if feedback else ""
    parts.append(f"## Status of this document {{#sotd}}\n\n<p class=\"specsites-status specsites-status-{_e(meta.status.lower())}\">{status}</p>\n<p>{where}{comments}</p>\n")
    return "\n".join(parts)


def version_selector(meta: SpecMeta, site_url: str, this: Version | None, versions: list[Version]) -> str:
    """Every dated version and the editor's draft, near the title; a details element
    of links, so it works without JavaScript."""
    shown = this.date if this else "editor's draft"
    count = f"{len(versions)} dated version" + ("" if len(versions) == 1 else "s")
    items = [f'<li><a href="{_e(living_url(meta, site_url))}"{_current_attr(this is None)}>Editor\'s draft</a></li>']
    for index, version in enumerate(reversed(versions)):
        label = version.date + (" (latest)" if index == 0 else "")
        items.append(f'<li><a href="{_e(site_url + version.url)}"{_current_attr(version == this)}>{_e(label)}</a></li>')
    return (
        '<details class="specsites-versions">\n'
        f'<summary>Version: {_e(shown)} <span class="specsites-versions-count">({count})</span></summary>\n'
        f'<ul>\n{chr(10).join(items)}\n</ul>\n</details>\n'
    )


def _current_attr(yes: bool) -> str:
    return ' aria-current="page"' if yes else ""


def publisher_of(site_url: str, extra: dict, repo_url: str | None) -> Publisher:
    """The Publisher from a site's config: the consortium and license of the base
    mkdocs.yml's `extra:`, and its repository's issues when it is on GitHub."""
    license = (extra.get("license") or {}).get("specifications", "") if isinstance(extra.get("license"), dict) else ""
    repo = (repo_url or "").rstrip("/")
    issues = repo + "/issues" if re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo) else ""
    return Publisher(site_url, str(extra.get("consortium") or ""), str(license), issues)


def spec_page_top(meta: SpecMeta, publisher: Publisher, this: Version | None, versions: list[Version], last_updated: str = "", banner: str = "") -> str:
    """What stands above a spec's text, on its page and on each dated version: the
    title (dated on a version), the version selector, a superseded version's banner,
    the header, the abstract and the status of this document."""
    return "\n".join([
        spec_heading(meta, this.date if this else ""),
        version_selector(meta, publisher.site_url, this, versions),
        banner,
        header_html(meta, publisher, this, versions, last_updated),
        front_sections(meta, publisher, this),
    ])

"""What changed between two versions of a spec, section by section, as a page.

Pure. Sections are the Markdown headings (## and deeper) of each version's body,
matched by id (the `{#id}` a heading carries, else its words): a section is added,
removed or changed; a changed one shows its lines, with the changed words marked,
as escaped HTML.
"""
from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{2,6})[ \t]+(.*?)[ \t]*(?:\{#([A-Za-z0-9_.:-]+)[^}]*\})?[ \t]*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # the heading's Markdown
    text: str  # the lines under the heading, up to the next heading


def sections(body: str) -> list[Section]:
    """The body's sections in order; text before the first heading is "(preamble)"."""
    found: list[Section] = []
    spans = [m for m in _HEADING.finditer(body) if not _in_fence(body, m.start())]
    head = body[: spans[0].start()] if spans else body
    if head.strip():
        found.append(Section("", "(before the first section)", head.strip("\n")))
    for index, match in enumerate(spans):
        end = spans[index + 1].start() if index + 1 < len(spans) else len(body)
        title = match.group(2)
        ident = match.group(3) or _slug(title)
        found.append(Section(ident, title, body[match.end(): end].strip("\n")))
    return found


def _in_fence(text: str, at: int) -> bool:
    return len(_FENCE.findall(text[:at])) % 2 == 1


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass(frozen=True)
class Changes:
    added: list[Section]
    removed: list[Section]
    changed: list[tuple[Section, Section]]  # (before, after)


def compare(before: str, after: str) -> Changes:
    old = {s.id: s for s in sections(before)}
    new = sections(after)
    new_ids = {s.id for s in new}
    added = [s for s in new if s.id not in old]
    removed = [s for s in old.values() if s.id not in new_ids]
    changed = [(old[s.id], s) for s in new if s.id in old and (old[s.id].text != s.text or old[s.id].title != s.title)]
    return Changes(added, removed, changed)


def line_diff_html(before: str, after: str) -> str:
    """A changed section's lines as escaped HTML: removed and added lines, words that
    changed within a line marked, unchanged lines kept for context (long runs cut)."""
    a, b = before.splitlines(), after.splitlines()
    rows: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            same = a[i1:i2]
            shown = same if len(same) <= 4 else [*same[:2], None, *same[-2:]]
            rows.extend('<span class="specsites-diff-gap">…</span>' if line is None else f"<span>  {html.escape(line)}</span>" for line in shown)
            continue
        old, new = a[i1:i2], b[j1:j2]
        if tag == "replace" and len(old) == len(new):
            for x, y in zip(old, new):
                dx, dy = _word_diff(x, y)
                rows.append(f'<del class="specsites-diff-line">- {dx}</del>')
                rows.append(f'<ins class="specsites-diff-line">+ {dy}</ins>')
            continue
        rows.extend(f'<del class="specsites-diff-line">- {html.escape(line)}</del>' for line in old)
        rows.extend(f'<ins class="specsites-diff-line">+ {html.escape(line)}</ins>' for line in new)
    return '<pre class="specsites-diff">' + "\n".join(rows) + "</pre>"


def _word_diff(before: str, after: str) -> tuple[str, str]:
    a, b = re.split(r"(\s+)", before), re.split(r"(\s+)", after)
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        x, y = html.escape("".join(a[i1:i2])), html.escape("".join(b[j1:j2]))
        if tag == "equal":
            left.append(x)
            right.append(y)
        else:
            left.append(f"<mark>{x}</mark>" if x else "")
            right.append(f"<mark>{y}</mark>" if y else "")
    return "".join(left), "".join(right)


def changes_markdown(title: str, before_date: str, after_date: str, changes: Changes, links: dict[str, str]) -> str:
    """The changes page: a summary list, then each section that changed.

    links: "before"/"after" -> URL of each version (section ids are appended)."""
    def name(section: Section) -> str:
        return html.escape(re.sub(r"[\\`*_{}\[\]]", "", section.title))

    def summary(label: str, items: list[Section], where: str) -> str:
        if not items:
            return f"<li>{label}: none</li>"
        entries = ", ".join(f'<a href="{html.escape(links[where])}#{html.escape(s.id)}">{name(s)}</a>' if s.id else name(s) for s in items)
        return f"<li>{label} ({len(items)}): {entries}</li>"

    parts = [
        f"# Changes in {html.escape(title)}, {after_date} {{#changes}}\n",
        f'<p>What changed from the <a href="{html.escape(links["before"])}">{before_date} version</a> '
        f'to the <a href="{html.escape(links["after"])}">{after_date} version</a>, section by section.</p>\n',
        '<ul class="specsites-changes-summary">\n'
        + "\n".join([
            summary("Sections added", changes.added, "after"),
            summary("Sections removed", changes.removed, "before"),
            summary("Sections changed", [after for _, after in changes.changed], "after"),
        ])
        + "\n</ul>\n",
    ]
    for before, after in changes.changed:
        parts.append(f'<h2 id="changed-{html.escape(after.id)}">Changed: {name(after)}</h2>\n')
        if before.title != after.title:
            parts.append(f"<p>Heading was: {name(before)}</p>\n")
        parts.append(line_diff_html(before.text, after.text) + "\n")
    for section in changes.added:
        parts.append(f'<h2 id="added-{html.escape(section.id)}">Added: {name(section)}</h2>\n')
        parts.append(line_diff_html("", section.text) + "\n")
    for section in changes.removed:
        parts.append(f'<h2 id="removed-{html.escape(section.id)}">Removed: {name(section)}</h2>\n')
        parts.append(line_diff_html(section.text, "") + "\n")
    return "\n".join(parts)


def first_version_markdown(title: str, date: str, url: str) -> str:
    return (
        f"# Changes in {html.escape(title)}, {date} {{#changes}}\n\n"
        f'<p>The <a href="{html.escape(url)}">{date} version</a> is the first published version; there is nothing earlier to compare it with.</p>\n'
    )

"""What changed between two versions of a spec, section by section, as a page.

Pure. Sections are the Markdown headings (## and deeper) of each version's body,
matched by id (the `{#id}` a heading carries, else its words), then a removed and
an added section whose words are mostly the same are one section renamed. Each
section is rendered as the page renders it and compared word by word: the page
shows the rendered text with `<del>` and `<ins>` where the words changed, so a
reader on a phone reads prose, not Markdown.
"""
from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
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
    changed: list[tuple[Section, Section]]  # (before, after); renamed ones too, in the new order


RENAMED_SIMILARITY = 0.75  # how much of a removed section's words an added one must keep to be it renamed


def compare(before: str, after: str) -> Changes:
    old = {s.id: s for s in sections(before)}
    new = sections(after)
    new_ids = {s.id for s in new}
    added = [s for s in new if s.id not in old]
    removed = [s for s in old.values() if s.id not in new_ids]
    renamed: dict[str, Section] = {}  # new id -> the removed section it is
    for section in added:
        best = max(removed, key=lambda r: _similarity(r.text, section.text), default=None)
        if best is not None and best.text.strip() and _similarity(best.text, section.text) >= RENAMED_SIMILARITY:
            renamed[section.id] = best
            removed.remove(best)
    added = [s for s in added if s.id not in renamed]
    changed = []
    for section in new:
        earlier = renamed.get(section.id) or (old.get(section.id) if section.id in old else None)
        if earlier is not None and (earlier.text != section.text or earlier.title != section.title or earlier.id != section.id):
            changed.append((earlier, section))
    return Changes(added, removed, changed)


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def section_renderer(extensions: list, configs: dict) -> Callable[[str], str]:
    """A section's Markdown to HTML with the site's Markdown extensions (its table of
    contents left out: a section's text has no headings)."""
    import markdown

    chosen = [e for e in extensions if e != "toc"]
    engine = markdown.Markdown(extensions=chosen, extension_configs={k: v for k, v in configs.items() if k in chosen})

    def render(text: str) -> str:
        engine.reset()
        return engine.convert(text)

    return render


_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|\w+|\s+|[^\w\s<&]")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
_VOID = {"br", "hr", "img", "input", "wbr", "col", "source", "meta", "link"}
_ID_ATTR = re.compile(r"""\s(?:id|for|headers)=("[^"]*"|'[^']*')""")
_SAME_PAGE = re.compile(r"""(\shref=")#""")


def _tokens(html_text: str) -> list[str]:
    return _TOKEN.findall(html_text)


def _is_tag(token: str) -> bool:
    return token.startswith("<")


def _balanced(tokens: list[str]) -> bool:
    """Whether the tags among the tokens open and close each other, so the run can be
    kept whole where it was deleted."""
    stack: list[str] = []
    for token in tokens:
        if not _is_tag(token) or token.startswith(("<!", "<?")):
            continue
        match = _TAG_NAME.match(token)
        if not match or match.group(1).lower() in _VOID or token.endswith("/>"):
            continue
        name = match.group(1).lower()
        if token.startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def _marked(tokens: list[str], mark: str, keep_tags: bool) -> str:
    """The tokens with each run of words wrapped in <ins> or <del>; tags kept (or, for
    a deletion whose tags do not balance, dropped: the new text's structure stands)."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        core = text.strip()
        if core:  # the spaces around stay outside the mark
            start = text.index(core)
            out.append(f"{text[:start]}<{mark}>{core}</{mark}>{text[start + len(core):]}")
        else:
            out.append(text)
        run.clear()

    for token in tokens:
        if _is_tag(token):
            flush()
            if keep_tags:
                out.append(token)
        else:
            run.append(token)
    flush()
    return "".join(out)


def rendered_diff(before_html: str, after_html: str) -> str:
    """The after text as rendered, with the words removed since the before text in
    <del> and those added in <ins>, compared token by token (tags, words, spaces)."""
    a, b = _tokens(before_html), _tokens(after_html)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.extend(b[j1:j2])
            continue
        if i2 > i1:
            old = a[i1:i2]
            out.append(_marked(old, "del", _balanced(old)))
        if j2 > j1:
            out.append(_marked(b[j1:j2], "ins", True))
    return "".join(out)


def _for_changes_page(html_text: str, page_url: str) -> str:
    """A rendered section made fit for the changes page: its ids dropped (both versions
    are shown there; ids belong to the version pages) and its links to its own page's
    sections pointed at that version's page."""
    return _SAME_PAGE.sub(lambda m: m.group(1) + html.escape(page_url) + "#", _ID_ATTR.sub("", html_text))


def changes_markdown(title: str, before_date: str, after_date: str, changes: Changes, links: dict[str, str], render: Callable[[str], str]) -> str:
    """The changes page: a summary list, then each section that changed, rendered,
    with its removed and added words marked.

    links: "before"/"after" -> URL of each version (section ids are appended);
    render: a section's Markdown to HTML (section_renderer)."""
    def name(section: Section) -> str:
        return html.escape(re.sub(r"[\\`*_{}\[\]]", "", section.title))

    def link(section: Section, where: str) -> str:
        return f'<a href="{html.escape(links[where])}#{html.escape(section.id)}">{name(section)}</a>' if section.id else name(section)

    def summary(label: str, items: list[Section], where: str) -> str:
        if not items:
            return f"<li>{label}: none</li>"
        return f"<li>{label} ({len(items)}): {', '.join(link(s, where) for s in items)}</li>"

    def shown(section: Section, where: str) -> str:
        return _for_changes_page(render(section.text), links[where])

    parts = [
        f"# Changes in {html.escape(title)}, {after_date} {{#changes}}\n",
        f'<p>What changed from the <a href="{html.escape(links["before"])}">{before_date} version</a> '
        f'to the <a href="{html.escape(links["after"])}">{after_date} version</a>, section by section: '
        '<del>removed text</del> and <ins>added text</ins> are marked in the text as it reads now.</p>\n',
        '<ul class="specsites-changes-summary">\n'
        + "\n".join([
            summary("Sections added", changes.added, "after"),
            summary("Sections removed", changes.removed, "before"),
            summary("Sections changed", [after for _, after in changes.changed], "after"),
        ])
        + "\n</ul>\n",
    ]
    for before, after in changes.changed:
        parts.append(f'<h2 id="changed-{html.escape(after.id)}">Changed: {link(after, "after")}</h2>\n')
        if before.title != after.title or before.id != after.id:
            moved = f" (its id was #{html.escape(before.id)}, now #{html.escape(after.id)})" if before.id != after.id and before.id else ""
            parts.append(f'<p class="specsites-renamed">Renamed from “{name(before)}”{moved}.</p>\n')
        diff = rendered_diff(shown(before, "before"), shown(after, "after"))
        parts.append(f'<div class="specsites-diff">\n{diff}\n</div>\n' if before.text != after.text else "<p>Its text is unchanged.</p>\n")
    for section in changes.added:
        parts.append(f'<h2 id="added-{html.escape(section.id)}">Added: {link(section, "after")}</h2>\n')
        parts.append(f'<div class="specsites-diff specsites-diff-added">\n{rendered_diff("", shown(section, "after"))}\n</div>\n')
    for section in changes.removed:
        parts.append(f'<h2 id="removed-{html.escape(section.id)}">Removed: {link(section, "before")}</h2>\n')
        parts.append(f'<div class="specsites-diff specsites-diff-removed">\n{_marked(_tokens(shown(section, "before")), "del", True)}\n</div>\n')
    return "\n".join(parts)


def first_version_markdown(title: str, date: str, url: str) -> str:
    return (
        f"# Changes in {html.escape(title)}, {date} {{#changes}}\n\n"
        f'<p>The <a href="{html.escape(url)}">{date} version</a> is the first published version; there is nothing earlier to compare it with.</p>\n'
    )

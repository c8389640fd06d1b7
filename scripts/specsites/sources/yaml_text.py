"""Edits to hand-kept YAML files (redirects.yml, a site's nav) made in their text.

Pure: text in, text out. Re-dumping YAML would drop the comments and layout editors
rely on, so each edit replaces, inserts or removes exact spans found through the
parser's marks, and the caller parses the result again to validate it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import yaml

from specsites.errors import Problem, SpecSitesError
from specsites.sources.yaml_nodes import compose, is_null, is_str


@dataclass(frozen=True, order=True)
class Splice:
    """Replace text[start:end] with new."""

    start: int
    end: int
    new: str


def apply(text: str, splices: list[Splice]) -> str:
    """The text with every splice made; splices must not overlap."""
    out, at = [], 0
    for s in sorted(splices):
        if s.start < at:
            raise ValueError(f"overlapping edits at offset {s.start}")
        out += [text[at:s.start], s.new]
        at = s.end
    return "".join(out) + text[at:]


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_line(text: str, index: int) -> int:
    """The offset just past the line holding index (its newline included)."""
    end = text.find("\n", index)
    return len(text) if end == -1 else end + 1


def _scalar(text: str, node: yaml.ScalarNode, value: str) -> str:
    """value written the way node was (plain or in the same quotes)."""
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _root(text: str, filename: str) -> yaml.Node | None:
    """The document's nodes, with marks counting characters: libyaml's may count
    bytes, so the checked parse is followed by the pure-Python one."""
    if compose(text.encode("utf-8"), filename) is None:
        return None
    return yaml.compose(text, Loader=yaml.SafeLoader)


# --- redirects.yml ------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One `old: new` line of redirects.yml, as written."""

    site: str
    source: str
    target: str
    line: int


def redirect_entries(text: str, filename: str = "redirects.yml") -> list[Entry]:
    return [Entry(site, s.value, t.value, s.start_mark.line + 1) for site, s, t in _entry_nodes(text, filename)]


def _entry_nodes(text: str, filename: str):
    root = _root(text, filename)
    if not isinstance(root, yaml.MappingNode):
        return
    for site_node, entries in root.value:
        if is_str(site_node) and isinstance(entries, yaml.MappingNode):
            for source, target in entries.value:
                if is_str(source) and is_str(target):
                    yield site_node.value, source, target


def retarget(text: str, new_target: Callable[[Entry], str | None], drop: Callable[[Entry], bool] = lambda e: False, filename: str = "redirects.yml") -> str:
    """Each entry's target replaced where new_target gives one; entries drop() says
    are gone removed, with their line (comments of their own stay)."""
    splices = []
    for site, source, target in _entry_nodes(text, filename):
        entry = Entry(site, source.value, target.value, source.start_mark.line + 1)
        if drop(entry):
            start = _line_start(text, source.start_mark.index)
            splices.append(Splice(start, _after_line(text, target.end_mark.index), ""))
        elif (value := new_target(entry)) is not None and value != target.value:
            splices.append(Splice(target.start_mark.index, target.end_mark.index, _scalar(text, target, value)))
    return apply(text, splices)


def add_entries(text: str, site: str, lines: list[tuple[str, str]], filename: str = "redirects.yml") -> str:
    """`old: new` entries appended under `site:` (after its last entry), or a new
    `site:` block at the end of the file."""
    if not lines:
        return text
    root = _root(text, filename)
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise SpecSitesError(Problem(filename, root.start_mark.line + 1, "expected a mapping of site folders to their moved pages; fix the file first"))
    for site_node, entries in root.value if root is not None else []:
        if not (is_str(site_node) and site_node.value == site):
            continue
        if isinstance(entries, yaml.MappingNode) and entries.value and not entries.flow_style:
            indent = " " * entries.value[0][0].start_mark.column
            at = _after_line(text, entries.value[-1][1].end_mark.index - 1)
            return apply(text, [Splice(at, at, ("" if text[:at].endswith("\n") else "\n") + _block(indent, lines))])
        if is_null(entries) or (isinstance(entries, yaml.MappingNode) and not entries.value):
            # `site:` or `site: {}`: the entries go on the lines below the key
            at = _after_line(text, site_node.end_mark.index)
            cut = Splice(entries.start_mark.index, entries.end_mark.index, "") if entries.end_mark.index > entries.start_mark.index else None
            block = ("" if text[:at].endswith("\n") else "\n") + _block("  ", lines)
            return apply(text, [s for s in (cut, Splice(at, at, block)) if s])
        raise SpecSitesError(Problem(filename, site_node.start_mark.line + 1, f"the entries under {site}: are not a block mapping; write them one `old: new` per line"))
    tail = "" if not text or text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
    return text + tail + f"{site}:\n" + _block("  ", lines)


def _block(indent: str, lines: list[tuple[str, str]]) -> str:
    return "".join(f"{indent}{old}: {new}\n" for old, new in lines)


# --- a site's nav -------------------------------------------------------------

@dataclass(frozen=True)
class NavPage:
    """A page entry of a nav: `- Title: path` or `- path`."""

    path: str
    title_text: str  # the title as written (quotes kept); "" for `- path`
    node: yaml.ScalarNode  # the path
    item: yaml.Node  # the sequence item holding it
    parents: tuple[yaml.Node, ...]  # the section items it is nested in, outermost first


def _nav_node(root: yaml.Node | None) -> tuple[yaml.Node | None, yaml.Node | None]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if is_str(key) and key.value == "nav":
                return key, value
    return None, None


def nav_pages(text: str, filename: str) -> list[NavPage]:
    """Every page entry of the nav, in order."""
    _, nav = _nav_node(_root(text, filename))
    found: list[NavPage] = []

    def walk(seq: yaml.Node, parents: tuple[yaml.Node, ...]) -> None:
        if not isinstance(seq, yaml.SequenceNode):
            return
        for item in seq.value:
            if is_str(item):
                found.append(NavPage(item.value, "", item, item, parents))
            elif isinstance(item, yaml.MappingNode) and len(item.value) == 1:
                key, value = item.value[0]
                if is_str(value):
                    found.append(NavPage(value.value, text[key.start_mark.index:key.end_mark.index], value, item, parents))
                else:
                    walk(value, parents + (item,))

    if nav is not None:
        walk(nav, ())
    return found


def rename_nav_paths(text: str, rename: Callable[[str], str | None], filename: str) -> str:
    """Each nav page's path replaced where rename gives a new one."""
    splices = [Splice(p.node.start_mark.index, p.node.end_mark.index, _scalar(text, p.node, new)) for p in nav_pages(text, filename) if (new := rename(p.path)) is not None and new != p.path]
    return apply(text, splices)


def remove_nav_pages(text: str, paths: set[str], filename: str) -> tuple[str, list[NavPage]]:
    """The nav without the entries of paths (and any section left empty); the
    entries removed."""
    pages = nav_pages(text, filename)
    gone = [p for p in pages if p.path in paths]
    gone_items = {id(p.item) for p in gone}
    # a section whose every page goes, goes whole
    sections: dict[int, yaml.Node] = {}
    for page in pages:
        for parent in page.parents:
            sections[id(parent)] = parent
    for section_id, section in sections.items():
        inside = [p for p in pages if any(id(q) == section_id for q in p.parents)]
        if inside and all(id(p.item) in gone_items for p in inside):
            gone_items.add(section_id)
    spans = []
    for page in pages:
        for item in (*page.parents, page.item):
            if id(item) in gone_items:
                spans.append(_item_lines(text, item))
                break
    merged = sorted(set(spans))
    return apply(text, [Splice(a, b, "") for a, b in _disjoint(merged)]), gone


def _item_lines(text: str, item: yaml.Node) -> tuple[int, int]:
    last = item
    while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    return _line_start(text, item.start_mark.index), _after_line(text, last.end_mark.index - 1)


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def append_nav_pages(text: str, entries: list[tuple[str, str]], filename: str) -> str:
    """(title as written, path) entries added at the end of the nav's top level."""
    if not entries:
        return text
    key, nav = _nav_node(_root(text, filename))
    if not isinstance(nav, yaml.SequenceNode) or not nav.value or nav.flow_style:
        line = key.start_mark.line + 1 if key is not None else 1
        raise SpecSitesError(Problem(filename, line, "no block `nav:` list to add the moved page to; add a nav: with one `- Title: page.md` per line"))
    first = nav.value[0]
    indent = text[_line_start(text, first.start_mark.index):first.start_mark.index]
    indent = indent[: indent.find("-")] if "-" in indent else indent
    at = _item_lines(text, nav.value[-1])[1]
    block = "".join(f"{indent}- {title}: {path}\n" if title else f"{indent}- {path}\n" for title, path in entries)
    return apply(text, [Splice(at, at, ("" if text[:at].endswith("\n") else "\n") + block)])

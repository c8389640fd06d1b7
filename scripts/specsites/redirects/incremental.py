"""Replans an edited redirects.yml from the plan of its previous text (issue 28).

Pure. At 100,000 redirects reading and planning the whole map takes seconds; a
maintainer's edit adds, removes or changes a few entries. When the edit is a run of
plain entry lines (`  /old: /new`) inside one site's block and only moves whole
pages, the new plan is the old one with those entries replanned and the lines below
renumbered; anything else (a folder or section entry, a new site, quoting, a target
that is no page, an entry other entries lead to) returns None and the map is read
and planned whole, which also words every problem. tests/test_incremental_plan.py
holds the two ways to the same plan over random edits.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, replace

from specsites.redirects.map import Rule, _parse_rule
from specsites.redirects.plan import Destination, Pages, Plan, Redirect, chain_note, existing_page
from specsites.urls import file_forms, page_key

MAX_EDITED_LINES = 500  # more than a hand edit: planning afresh is as quick

# `  /old: /new`, `  /old: site:/new` or `  /old: https://...`, with an optional
# comment: a plain key and value that YAML reads as text, with no spaces, quotes or
# indicators, so the line means the same alone as in the file.
_ENTRY = re.compile(r"( +)(/[^\s]*?[^\s:]): ((?:/|[A-Za-z][A-Za-z0-9+.-]*:)[^\s]*[^\s:])(?: +#.*)?")
_HEADER = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: +#.*)?")
_QUIET = re.compile(r" *(#.*)?")  # a blank or comment line


@dataclass
class MapState:
    """What the next replan needs of a planned map, besides its plan."""

    data: bytes  # the map's text
    targeted: Counter  # (site, page key) -> how many entries lead there
    idents: set  # (site, key, anchor) of every entry, as parse_redirects tells duplicates
    folders: list[Rule]  # the `/old/*: /new/*` entries


def map_state(data: bytes, rules: list[Rule]) -> MapState:
    targeted: Counter = Counter()
    idents = set()
    for rule in rules:
        idents.add((rule.site, rule.key + ("/*" if rule.is_folder else ""), rule.anchor))
        if rule.target.site and not rule.is_folder:
            targeted[(rule.target.site, page_key(rule.target.path))] += 1
    return MapState(data, targeted, idents, [r for r in rules if r.is_folder])


def replan(state: MapState, plan: Plan, data: bytes, pages: Pages, site_names: list[str],
           filename: str = "redirects.yml") -> tuple[Plan, MapState] | None:
    """The plan of `data`, made from `plan` (the valid plan of state.data against the
    same pages), or None when the edit is not one this can replan."""
    edit = _edited_entries(state.data, data, site_names)
    if edit is None:
        return None
    start, old_rules, new_rules, old_count, new_count = edit  # lines start+1 .. start+old_count changed
    old_end = start + old_count
    if any(r.is_folder or r.anchor for r in (*old_rules, *new_rules)):
        return None
    if {_content(r) for r in old_rules} & {_content(r) for r in new_rules}:
        return None  # entries reordered: their lines change unevenly

    moved: dict[tuple[str, str], Redirect] = {(r.site, r.key): r for rs in plan.redirects.values() for r in rs if r.to is not None and not r.is_alias}
    targeted = Counter(state.targeted)
    idents = set(state.idents)
    for rule in old_rules:
        where = (rule.site, rule.key)
        if rule.target.site:
            targeted[(rule.target.site, page_key(rule.target.path))] -= 1
        redirect = moved.pop(where, None)
        if (redirect is None or redirect.line != rule.line or redirect.anchors or targeted[where] > 0
                or any(_covers(folder, rule) for folder in state.folders)):
            return None  # another entry leads here, or a folder move would take its place
        idents.discard((rule.site, rule.key, ""))
    added: dict[tuple[str, str], Rule] = {}
    for rule in new_rules:
        where = (rule.site, rule.key)
        ident = (rule.site, rule.key, "")
        if ident in idents or where in moved or where in added or rule.key in pages[rule.site] or targeted[where] > 0:
            return None
        idents.add(ident)
        if rule.target.site:
            targeted[(rule.target.site, page_key(rule.target.path))] += 1
        added[where] = rule
    landed = []
    for rule in added.values():
        resolved = _resolve(rule, moved, added, pages, filename)
        if resolved is None:
            return None
        landed.append((rule, *resolved))

    lines_added = new_count - old_count

    def relined(line: int) -> int:
        return line + lines_added if line > old_end else line

    redirects: dict[str, list[Redirect]] = {}
    for site, listed in plan.redirects.items():
        kept = []
        for r in listed:
            if not r.is_alias and start < r.line <= old_end:
                continue  # an entry the edit removed or changed
            kept.append(r if r.is_alias or r.line <= old_end else Redirect(r.site, r.key, r.line + lines_added, r.to, r.anchors, r.files))
        redirects[site] = kept
    notes = [n if n.line <= old_end else replace(n, line=relined(n.line)) for n in plan.notes if not start < n.line <= old_end]
    for rule, destination, note in landed:
        listed = redirects[rule.site]
        whole = next((i for i, r in enumerate(listed) if r.to is None or r.is_alias), len(listed))
        at = bisect.bisect_right([r.line for r in listed[:whole]], rule.line)
        listed.insert(at, Redirect(rule.site, rule.key, rule.line, destination, {}, file_forms(rule.key)))
        if note is not None:
            notes.insert(bisect.bisect_right([n.line for n in notes], rule.line), note)
    folders = [r if r.line <= old_end else replace(r, line=relined(r.line)) for r in state.folders]
    return Plan(redirects, [], notes), MapState(data, +targeted, idents, folders)


def _resolve(rule: Rule, moved: dict, added: dict, pages: Pages, filename: str) -> tuple[Destination, object] | None:
    """Where an added entry lands, and the note when it leads to a page that moved
    again; None for what only planning afresh words (a missing page, a chain
    through another added entry, a loop)."""
    target = rule.target
    if target.external:
        return Destination("", target.external), None
    where = (target.site, page_key(target.path))
    if where == (rule.site, rule.key) or where in added:
        return None
    hop = moved.get(where)
    if hop is not None:
        assert hop.to is not None
        # the last anchor on the way wins; an external URL keeps its own
        keeps = hop.to.anchor or not target.anchor or not hop.to.site
        destination = hop.to if keeps else hop.to._replace(anchor=target.anchor)
        return destination, chain_note(filename, rule.line, rule.source, destination)
    problems: list = []
    destination = existing_page(target, target.anchor, pages, rule.line, problems, filename)
    return (destination, None) if destination is not None and not problems else None


def _edited_entries(old: bytes, new: bytes, site_names: list[str]):
    """(start, old rules, new rules, old count, new count) of the lines that differ,
    when each is a blank, a comment or a plain entry of one site's block; else None."""
    old_lines, new_lines = old.split(b"\n"), new.split(b"\n")
    start = 0
    for a, b in zip(old_lines, new_lines):
        if a != b:
            break
        start += 1
    tail = 0
    most = min(len(old_lines), len(new_lines)) - start
    while tail < most and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    old_part, new_part = old_lines[start:len(old_lines) - tail], new_lines[start:len(new_lines) - tail]
    if len(old_part) + len(new_part) > MAX_EDITED_LINES or not (old_part or new_part):
        return None
    try:
        above = _neighbour(new_lines, start - 1, -1)
        below = _neighbour(new_lines, len(new_lines) - tail, 1)
        old_text = [line.decode("utf-8") for line in old_part]
        new_text = [line.decode("utf-8") for line in new_part]
    except UnicodeDecodeError:
        return None
    site, indent = _block(new_lines, above, site_names)
    if site is None:
        return None
    old_rules, new_rules = _entries(old_text, start, site, site_names), _entries(new_text, start, site, site_names)
    if old_rules is None or new_rules is None:
        return None
    # one block mapping: its entries share one indent, and the block goes on below
    # with it, or the next site starts
    indents = {len(m.group(1)) for line in (*old_text, *new_text) if (m := _ENTRY.fullmatch(line))} | ({indent} if indent else set())
    if below is not None:
        entry = _ENTRY.fullmatch(below[1])
        if entry:
            indents.add(len(entry.group(1)))
        elif not _HEADER.fullmatch(below[1]):
            return None
    if len(indents) > 1:
        return None
    return start, old_rules, new_rules, len(old_part), len(new_part)


def _neighbour(lines: list[bytes], at: int, step: int) -> tuple[int, str] | None:
    """The nearest line from `at` on (going by `step`) that is neither blank nor a comment."""
    while 0 <= at < len(lines):
        text = lines[at].decode("utf-8")
        if not _QUIET.fullmatch(text):
            return at, text
        at += step
    return None


def _block(lines: list[bytes], above: tuple[int, str] | None, site_names: list[str]) -> tuple[str | None, int]:
    """The site whose block the edit is in, and its entries' indent (0: not known yet)."""
    if above is None:
        return None, 0
    at, text = above
    header = _HEADER.fullmatch(text)
    if header:
        return (header.group(1) if header.group(1) in site_names else None), 0
    entry = _ENTRY.fullmatch(text)
    if entry is None:
        return None, 0
    indent = len(entry.group(1))
    while at > 0:
        at -= 1
        text = lines[at].decode("utf-8", "replace")
        if text[:1] not in ("", " ", "#"):
            header = _HEADER.fullmatch(text)
            return (header.group(1) if header and header.group(1) in site_names else None), indent
    return None, 0


def _entries(text: list[str], start: int, site: str, site_names: list[str]) -> list[Rule] | None:
    """The rules of edited lines (the first is line start+1), or None unless each is
    blank, a comment or a plain entry that parses."""
    rules = []
    for offset, line in enumerate(text):
        if _QUIET.fullmatch(line):
            continue
        entry = _ENTRY.fullmatch(line)
        if entry is None:
            return None
        rule, error = _parse_rule(start + offset + 1, site, entry.group(2), entry.group(3), site_names)
        if error or rule is None:
            return None
        rules.append(rule)
    return rules


def _content(rule: Rule) -> tuple:
    return rule.site, rule.source, rule.anchor, rule.target


def _covers(folder: Rule, rule: Rule) -> bool:
    return folder.site == rule.site and (folder.key == "" or rule.key == folder.key or rule.key.startswith(folder.key + "/"))

"""A specification's metadata, written once in its source's front matter, and what
the build makes of it: the title, the nav entries, the spec tables and the "Other
drafts" list (the header, with the version links, is made by versions.py).

Pure: parsing (with line numbers for errors) and Markdown made from the metadata.

    ---
    id: CDSC-WG1-01
    title: Server Metadata
    status: Draft
    working_group: CDSC-WG1 Connectivity
    editors:                      # people: a name, and optionally an affiliation
      - name: Jane Doe
        affiliation: Example Energy
    date: 2024-06-27              # of this version
    abstract: >                   # optional: what it is, in a paragraph or two
      This specification defines ...
    previous_ids: [CDSC-WG1-03]   # optional: identifiers it had before
    issues: https://github.com/...  # optional: where feedback goes (default: the site's repository's issues)
    feedback: ...                 # optional: a line on how to give feedback, shown with the link
    ---
"""
from __future__ import annotations

import datetime
import posixpath
import re
from dataclasses import dataclass

import yaml

from specsites.errors import Problem, SpecSitesError
from specsites.sources.yaml_nodes import compose_text, get, is_str

STATUSES = ("Draft", "Candidate", "Final", "Superseded", "Withdrawn")
SPECS_TABLE_MARKER = "<!-- specsites:specs-table -->"
OTHER_DRAFTS_MARKER = "<!-- specsites:other-drafts -->"
_ID = re.compile(r"CDSC-WG[0-9]+-[0-9]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Editor:
    name: str
    affiliation: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


@dataclass(frozen=True)
class SpecMeta:
    site: str
    slug: str  # the source's file name without .md: "cdsc-wg1-01"; published at /specs/<slug>/
    id: str
    title: str
    status: str
    working_group: str
    editors: tuple[Editor, ...]
    date: str
    previous_ids: tuple[str, ...] = ()
    feedback: str = ""
    has_overview: bool = False
    abstract: str = ""
    issues: str = ""  # an https:// URL where feedback goes; "" for the site's repository's issues

    @property
    def name(self) -> str:
        """How pages and tables name it: "CDSC-WG1-01 Server Metadata"."""
        return f"{self.id} {self.title}"

    @property
    def page(self) -> str:
        """Its page in the site's docs: "specs/cdsc-wg1-01/index.md"."""
        return f"specs/{self.slug}/index.md"

    @property
    def overview(self) -> str:
        return f"specs/{self.slug}/overview.md"


_FIELDS = {"id", "title", "status", "working_group", "editors", "date", "previous_ids", "feedback", "abstract", "issues"}
_EDITOR_FIELDS = ("name", "affiliation")
_REQUIRED = ("id", "title", "status", "working_group", "editors", "date")


def split_front_matter(text: str) -> tuple[str, str] | None:
    """(the front matter with its --- lines, the rest of the text), or None when the
    text starts with none. The one place front matter is found (versions.py too)."""
    match = _FRONT_MATTER.match(text)
    return (text[: match.end()], text[match.end():]) if match else None


def _front_matter_node(text: str, display: str) -> yaml.Node | None:
    """The front matter's YAML as nodes whose lines count in the whole file (it starts
    on line 2, below the opening ---); SpecSitesError when it is not YAML."""
    match = _FRONT_MATTER.match(text)
    return compose_text(match.group(1) or "", display, first_line=2, what="front matter is not valid YAML") if match else None


def front_matter_value(text: str, name: str) -> str:
    """One field's text in a source's front matter, "" when it has none (or none that reads)."""
    try:
        node = get(_front_matter_node(text, ""), name)
    except SpecSitesError:
        return ""
    return node.value.strip() if isinstance(node, yaml.ScalarNode) else ""


def parse_spec_meta(text: str, display: str, site: str, slug: str, has_overview: bool = False) -> tuple[SpecMeta | None, list[Problem]]:
    """The metadata in a spec source's front matter, or the problems with it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, [Problem(display, 1, f"no front matter; start the file with its metadata between two --- lines: id: {slug.upper()}, title, status, working_group, editors and date (README: Add a spec)")]
    try:
        root = _front_matter_node(text, display)
    except SpecSitesError as e:
        return None, e.problems
    if not isinstance(root, yaml.MappingNode):
        return None, [Problem(display, 2, "front matter must be `field: value` lines, like `title: Server Metadata`")]
    fields: dict[str, yaml.Node] = {}
    problems: list[Problem] = []
    for key, value in root.value:
        line = key.start_mark.line + 1  # counted in the whole file (_front_matter_node)
        name = key.value if is_str(key) else str(key.value)
        if name not in _FIELDS:
            problems.append(Problem(display, line, f"unknown field {name!r}; use {', '.join(sorted(_FIELDS))}"))
        elif name in fields:
            problems.append(Problem(display, line, f"{name} is given twice; keep one"))
        else:
            fields[name] = value
    end_line = text[: match.end()].count("\n")
    for name in _REQUIRED:
        if name not in fields:
            problems.append(Problem(display, end_line, f"missing `{name}:`; add it to the front matter, {_hint(name, slug)}"))
    values: dict[str, object] = {}
    for name, node in fields.items():
        line = node.start_mark.line + 1
        if name == "editors":
            value, problem, at = _editors(node)
            line = at or line
        else:
            value, problem = _field(name, node, slug)
        if problem:
            problems.append(Problem(display, line, problem))
        else:
            values[name] = value
    if problems:
        return None, problems
    return SpecMeta(site=site, slug=slug, has_overview=has_overview, **values), []  # type: ignore[arg-type]


def _hint(name: str, slug: str) -> str:
    return {
        "id": f"like id: {slug.upper()}",
        "title": "like title: Server Metadata",
        "status": f"one of: {', '.join(STATUSES)}",
        "working_group": "like working_group: CDSC-WG1 Connectivity",
        "editors": "a list of people, like editors: [{name: Jane Doe, affiliation: Example Energy}]",
        "date": "the date of this version, like date: 2024-06-27",
    }[name]


def _editors(node: yaml.Node) -> tuple[tuple[Editor, ...] | None, str, int]:
    """The editors: each a name (the old plain form) or `name:` with an optional
    `affiliation:`; or what is wrong, with the line it is on (0: the field's)."""
    items = node.value if isinstance(node, yaml.SequenceNode) else None
    example = "like editors: [{name: Jane Doe, affiliation: Example Energy}]"
    if not items:
        return None, f"editors must be a list of people, {example}", 0
    editors = []
    for item in items:
        line = item.start_mark.line + 1
        if is_str(item) and item.value.strip():
            fields = {"name": item.value.strip()}
        elif isinstance(item, yaml.MappingNode):
            fields = {}
            for key, value in item.value:
                line = key.start_mark.line + 1
                if not is_str(key) or key.value not in _EDITOR_FIELDS:
                    return None, f"an editor has the unknown field {str(key.value)!r}; use name and affiliation", line
                if not is_str(value) or not value.value.strip() or "\n" in value.value.strip():
                    return None, f"an editor's {key.value} must be one line of text", line
                fields[key.value] = value.value.strip()
            if "name" not in fields:
                return None, f"an editor has no name; give each `name:` (and `affiliation:`), {example}", item.start_mark.line + 1
        else:
            return None, f"each editor is a name or `name:` and `affiliation:`, {example}", line
        if any(c in v for v in fields.values() for c in "<>"):
            return None, "an editor's name or affiliation holds < or >; write plain text", line
        editors.append(Editor(**fields))
    return tuple(editors), "", 0


def _field(name: str, node: yaml.Node, slug: str) -> tuple[object, str]:
    """A field's value, or what is wrong with it."""
    if name == "abstract":
        if not is_str(node) or not node.value.strip():
            return None, "abstract must be text, like abstract: This specification defines ..."
        return node.value.strip(), ""
    if name == "previous_ids":
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not items or not all(is_str(i) and i.value.strip() for i in items):
            return None, f"{name} must be a list of ids, like {name}: [CDSC-WG1-03]"
        values = tuple(i.value.strip() for i in items)
        if (bad := [v for v in values if not _ID.fullmatch(v)]):
            return None, f"{bad[0]!r} is not a specification id; write ids like CDSC-WG1-03"
        return values, ""
    if not isinstance(node, yaml.ScalarNode) or not node.value.strip():
        return None, f"{name} must be one line of text, {_hint(name, slug)}" if name in _REQUIRED else f"{name} must be one line of text"
    value = node.value.strip()
    if name == "id" and value != slug.upper():
        return None, f"id {value!r} does not match the file name {slug}.md; write id: {slug.upper()} (or rename the file)"
    if name == "id" and not _ID.fullmatch(value):
        return None, f"id {value!r} is not a specification id like CDSC-WG1-01"
    if name == "status" and value not in STATUSES:
        return None, f"status {value!r} is not one of: {', '.join(STATUSES)}"
    if name == "date":
        try:
            datetime.date.fromisoformat(value)
            if not _DATE.fullmatch(value):
                raise ValueError
        except ValueError:
            return None, f"date {value!r} is not a date; write it as YYYY-MM-DD, like date: 2024-06-27"
    if any(c in value for c in "<>\n"):
        return None, f"{name} holds < > or a line break; write plain text"
    if name == "issues" and not re.fullmatch(r"https://[^\s\"'<>]+", value):
        return None, f"issues {value!r} is not an https:// URL; give the address where readers file issues, like issues: https://github.com/carbon-data-specification/Connectivity/issues"
    return value, ""


def spec_heading(meta: SpecMeta, date: str = "") -> str:
    """The page's first heading, its id the slug (linked since the site began); a
    dated version's carries its date."""
    dated = f" ({date} version)" if date else ""
    return f"# {meta.id}: {_md(meta.title)}{dated} {{#{meta.slug}}}\n"


def specs_table(specs: list[SpecMeta], from_page: str) -> str:
    """A Markdown table of a site's specs, linked from the page `from_page` (a docs path)."""
    if not specs:
        return "No specifications yet.\n"
    here = posixpath.dirname(from_page) or "."
    rows = ["| Specification | Overview | Status | Version |", "| --- | --- | --- | --- |"]
    for spec in sorted(specs, key=lambda s: s.id):
        page = posixpath.relpath(spec.page, here)
        overview = f"[Overview]({posixpath.relpath(spec.overview, here)})" if spec.has_overview else ""
        rows.append(f"| [{spec.id}: {_md(spec.title)}]({page}) | {overview} | {_md(spec.status)} | {spec.date} |")
    return "\n".join(rows) + "\n"


def other_drafts(spec: SpecMeta, specs: list[SpecMeta], production_urls: dict[str, str]) -> str:
    """The other specifications of the consortium, as a Markdown list: relative links
    on the same site, production URLs on others (the build points those at a
    preview or staging copy when it makes one)."""
    items = []
    for other in sorted(specs, key=lambda s: s.id):
        if other == spec:
            continue
        if other.site == spec.site:
            url = posixpath.relpath(other.page, posixpath.dirname(spec.page))
        else:
            url = f"{production_urls[other.site]}specs/{other.slug}/"
        items.append(f"- [{other.id}: {_md(other.title)}]({url}) ({_md(other.status)}, {other.date})")
    return "\n".join(items) + "\n" if items else "No other specifications are published.\n"


def nav_with_specs(nav: list | None, specs: list[SpecMeta]) -> list | None:
    """The site's nav with an entry per spec (its overview and the specification)
    added to the section that holds specs/index.md; specs the nav lists already stay
    where they are."""
    if nav is None or not specs:
        return nav
    listed = set(_nav_files(nav))
    entries = []
    for spec in sorted(specs, key=lambda s: s.id):
        if spec.page in listed:
            continue
        children = ([{"Overview": spec.overview}] if spec.has_overview and spec.overview not in listed else []) + [{"Specification": spec.page}]
        entries.append({spec.name: children})
    if not entries:
        return nav
    section = _section_of(nav, "specs/index.md")
    if section is None:
        return [*nav, {"Specifications": entries}]
    section.extend(entries)
    return nav


def _nav_files(nav) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [f for value in nav.values() for f in _nav_files(value)]
    if isinstance(nav, list):
        return [f for item in nav for f in _nav_files(item)]
    return []


def _section_of(nav: list, page: str) -> list | None:
    """The list in the nav that holds the page (directly, or as `Title: page`)."""
    for item in nav:
        if item == page or (isinstance(item, dict) and page in item.values()):
            return nav
        if isinstance(item, dict):
            for value in item.values():
                if isinstance(value, list) and (found := _section_of(value, page)) is not None:
                    return found
    return None


def nav_pages(nav) -> list[str]:
    """Every docs path the nav names."""
    return [f for f in _nav_files(nav) if f.endswith(".md")]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def _md(text: str) -> str:
    """Text safe inside Markdown (and so inside the HTML it becomes)."""
    return _MD_SPECIAL.sub(r"\\\1", text)

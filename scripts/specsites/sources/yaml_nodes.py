"""The one YAML reader: every YAML file the tool reads becomes nodes that keep their
line numbers, so each problem names its line.

Shared by redirects.yml, published-urls.yml, every mkdocs.yml and a spec's front
matter: size limit, UTF-8, syntax, no aliases where a file is ours alone (they can
expand exponentially), scalar type tests, and plain values built from the nodes
(tolerating MkDocs' tags, such as !ENV and !!python/name:, without running them).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from specsites.errors import Problem, SpecSitesError

MAX_BYTES = 20 * 1024 * 1024  # 100,000 redirects take about 8 MB
# Values a file with aliases may expand to: a mkdocs.yml has hundreds.
MAX_EXPANDED_NODES = 100_000
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(data: bytes, filename: str, *, aliases: bool = False, first_line: int = 1) -> yaml.Node | None:
    """The document's root node (None for an empty file), or SpecSitesError.

    aliases: allow anchors and aliases (a mkdocs.yml, which MkDocs reads with them
    anyway). first_line: the file's line number of the text's first line (front
    matter starts after its opening ---); node_line() counts from it.
    """
    if len(data) > MAX_BYTES:
        raise SpecSitesError(Problem(filename, 0, f"file is {len(data) // 1_000_000} MB, over the {MAX_BYTES // 1_000_000} MB limit; split the history or remove entries that no longer matter"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecSitesError(Problem(filename, data[: e.start].count(b"\n") + first_line, "not UTF-8 text; save the file as UTF-8"))
    return compose_text(text, filename, aliases=aliases, first_line=first_line)


def compose_text(text: str, filename: str, *, aliases: bool = False, first_line: int = 1, what: str = "not valid YAML") -> yaml.Node | None:
    """compose() for text already decoded; `what` starts the syntax error's message."""
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        reason = (getattr(e, "problem", None) or str(e)).strip()
        raise SpecSitesError(Problem(filename, mark.line + first_line if mark else 0, f"{what}: {reason}; check indentation, colons and quotes"))
    except RecursionError:
        raise SpecSitesError(Problem(filename, 0, "nested too deeply; fix the file's structure"))
    if root is not None and not aliases and _uses_aliases(root):
        raise SpecSitesError(Problem(filename, _alias_line(text) + first_line - 1, "YAML anchors and aliases (&name, *name) are not allowed; write each entry out"))
    if root is not None and aliases and _expanded_size(root) > MAX_EXPANDED_NODES:
        # a "billion laughs": a few lines whose aliases expand to more values than
        # memory holds once MkDocs (or plain()) walks them
        raise SpecSitesError(Problem(filename, _alias_line(text) + first_line - 1, f"YAML aliases here expand to over {MAX_EXPANDED_NODES:,} values (a YAML bomb); write the settings out without nesting aliases"))
    if root is not None and first_line != 1:
        _shift_lines(root, first_line - 1)
    return root


def read_file(path: Path, display: str, missing: str, *, aliases: bool = False, root: Path | None = None) -> yaml.Node | None:
    """compose() of a file; `missing` is what to do when there is none. root: the
    repository, when the file is a source in it (source_files.py judges it first)."""
    from specsites.sources.source_files import read_source

    try:
        data = read_source(path, root, display=display)
    except FileNotFoundError:
        raise SpecSitesError(Problem(display, 0, f"file not found; {missing}"))
    except IsADirectoryError:
        raise SpecSitesError(Problem(display, 0, f"is a folder, not a file; {missing}"))
    return compose(data, display, aliases=aliases)


class _Plain(yaml.constructor.SafeConstructor):
    """Builds Python values from nodes. A tag it does not know (MkDocs' !ENV,
    !!python/name:...) gives None: the tool never needs those values and must not
    import what they name."""


_Plain.add_multi_constructor("!", lambda constructor, suffix, node: None)
_Plain.add_multi_constructor("tag:yaml.org,2002:python/", lambda constructor, suffix, node: None)


def plain(node: yaml.Node | None) -> object:
    """The node's value as dicts, lists and scalars."""
    return None if node is None else _Plain().construct_document(node)


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of a key in a mapping node (None if absent or not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if is_str(k) and k.value == key:
                return v
    return None


def _shift_lines(root: yaml.Node, by: int) -> None:
    """Make every node's line count in the whole file (libyaml's marks are read-only:
    each node gets new ones)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        node.start_mark = _moved(node.start_mark, by)
        node.end_mark = _moved(node.end_mark, by)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def is_str(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _uses_aliases(root: yaml.Node) -> bool:
    """True when a node is reachable twice: an alias."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document holds with every alias written out: each distinct
    node's size counted once (a graph of aliases has no cycles in what compose()
    returns for a mkdocs.yml... unless one refers to itself: counted as a bomb)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            sizes[key] = min(1 + sum(sizes[id(c)] for c in children), MAX_EXPANDED_NODES + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            return MAX_EXPANDED_NODES + 1  # a recursive alias: it expands without end
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_line(text: str) -> int:
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark.line + 1
    return 0


def _moved(mark, by: int) -> yaml.Mark:
    return yaml.Mark(mark.name, mark.index, mark.line + by, mark.column, None, None)

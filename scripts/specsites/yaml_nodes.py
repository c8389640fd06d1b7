"""Reads an editable YAML file into nodes that keep their line numbers.

Shared by redirects.yml and published-urls.yml: size limit, UTF-8, syntax, no
aliases (they can expand exponentially), and scalar type tests.
"""
from __future__ import annotations

import yaml

from specsites.errors import Problem, SpecSitesError

MAX_BYTES = 20 * 1024 * 1024  # 100,000 redirects take about 8 MB
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(data: bytes, filename: str) -> yaml.Node | None:
    """The document's root node (None for an empty file), or SpecSitesError."""
    if len(data) > MAX_BYTES:
        raise SpecSitesError(Problem(filename, 0, f"file is {len(data) // 1_000_000} MB, over the {MAX_BYTES // 1_000_000} MB limit; split the history or remove entries that no longer matter"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecSitesError(Problem(filename, data[: e.start].count(b"\n") + 1, "not UTF-8 text; save the file as UTF-8"))
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        reason = (getattr(e, "problem", None) or str(e)).strip()
        raise SpecSitesError(Problem(filename, mark.line + 1 if mark else 0, f"not valid YAML: {reason}; check indentation, colons and quotes"))
    except RecursionError:
        raise SpecSitesError(Problem(filename, 0, "nested too deeply; fix the file's structure"))
    if root is not None and _uses_aliases(root):
        raise SpecSitesError(Problem(filename, _alias_line(text), "YAML anchors and aliases (&name, *name) are not allowed; write each entry out"))
    return root


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


def _alias_line(text: str) -> int:
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark.line + 1
    return 0

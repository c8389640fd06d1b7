"""The only code that writes generated files into a built site's folder."""
from __future__ import annotations

from pathlib import Path

from specsites.errors import Problem, SpecSitesError


def write_generated_files(site_dir: Path, files: dict[str, str], pages: set[str], source: str) -> None:
    """Write files (relative POSIX path -> text) under site_dir.

    Refuses, before writing anything, a path that would leave site_dir or replace a
    page MkDocs built: the plan already excludes both, this keeps it so.
    """
    root = site_dir.resolve()
    problems = []
    for rel in files:
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or path == root:
            problems.append(Problem(source, 0, f"refusing to write {rel!r} outside the site folder"))
        elif rel in pages:
            problems.append(Problem(source, 0, f"refusing to overwrite the page {rel} with a redirect"))
    if problems:
        raise SpecSitesError(problems)
    made: set[Path] = set()
    for rel, text in files.items():
        path = root / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")

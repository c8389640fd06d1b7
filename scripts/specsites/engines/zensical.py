"""The Zensical adapter: one site rendered by `zensical build` from the folder the
prepare stage wrote, then finished by the engine-neutral stages.

Zensical (by Material's authors) reads `mkdocs.yml` but runs no MkDocs plugin, so
everything our plugin adds is in the prepared folder (stages/prepare.py) and written
after it renders (stages/rendered.py, stages/finish.py). The pinned version is the
one scripts/build installs when this engine is chosen.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from specsites.checks.site_checks import line_of_text
from specsites.engines import plain_mkdocs
from specsites.errors import Problem, SpecSitesError
from specsites.redirects.folders import PreviousOutput, RedirectFiles, Reuse
from specsites.stages import finish
from specsites.stages.prepare import Prepared, merged_config, prepare_site
from specsites.stages.rendered import RenderedSite, finish_pages
from specsites.stages.site_context import SiteContext

VERSION = "0.0.73"  # as scripts/constraints.txt pins it


def executable() -> Path:
    """The zensical command of this environment; SpecSitesError when it is missing."""
    found = Path(sys.executable).parent / "zensical"
    if not found.exists():
        raise SpecSitesError(Problem("--engine", 0, f"zensical is not installed in {found.parent}; run scripts/build --engine zensical, which installs zensical=={VERSION}"))
    return found


def overrides_folder(context: SiteContext) -> Path | None:
    """The theme's custom_dir of the site's configuration, which must be inside the
    repository (a committed file must not make the build read elsewhere)."""
    config = merged_config(context.site.config_file, context.repo.root)
    custom = (config.get("theme") or {}).get("custom_dir") if isinstance(config.get("theme"), dict) else None
    if not custom:  # the shared overrides, which the MkDocs plugin adds to the theme too
        shared = context.repo.shared_docs / plain_mkdocs.OVERRIDES
        return shared if shared.is_dir() else None
    folder = (context.site.folder / str(custom)).resolve()
    if not folder.is_relative_to(context.repo.root) or not folder.is_dir():
        raise SpecSitesError(Problem(f"{context.name}/mkdocs.yml", 0, f"theme: custom_dir {custom!r} is not a folder in the repository; give one inside it, like ../docs/overrides"))
    return folder


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WARNING = re.compile(r"^\s*(?:Warning|Error):\s*(.+)$")
_WHERE = re.compile(r"\[\s*(.+?):(\d+):\d+\s*\]")
_SOURCE_LINE = re.compile(r"^\s*\d+\s*│\s?(.*)$")


def zensical_problems(output: str, prepared: Prepared) -> list[Problem]:
    """Zensical's warnings (`Warning: page does not exist` with the page's path, line
    and text) as problems in the file an editor opens, at the line holding that text
    there (a spec page's prepared text has a header above its source's lines)."""
    problems: list[Problem] = []
    what, where = "", None
    for raw in output.splitlines():
        line = _ANSI.sub("", raw)
        if match := _WARNING.match(line):
            what, where = match.group(1).strip(), None
        elif what and where is None and (match := _WHERE.search(line)):
            where = (match.group(1), int(match.group(2)))
        elif what and where is not None and (match := _SOURCE_LINE.match(line)):
            page = prepared.sources.get(where[0])
            shown, number = (page.shown, line_of_text(page.source, match.group(1).strip()) or 0) if page else (where[0], where[1])
            problems.append(Problem(shown, number, f"{what} (Zensical): {match.group(1).strip()}; fix the link or the page it names"))
            what, where = "", None
    return problems


def render(prepared: Prepared, shown: str) -> list[Problem]:
    """`zensical build` of the prepared folder (strict as the configuration says);
    its warnings, or its failure, as problems."""
    result = subprocess.run(
        [str(executable()), "build", "--clean", "-f", str(prepared.config_file)],
        cwd=prepared.folder, capture_output=True, text=True, timeout=3600,
        env={**os.environ, "NO_COLOR": "1"},
    )
    problems = zensical_problems(result.stdout + "\n" + result.stderr, prepared)
    if result.returncode == 0 or problems:
        return problems
    lines = [_ANSI.sub("", line).strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    return [Problem(shown, 0, f"zensical build failed: {lines[-1] if lines else 'exit code ' + str(result.returncode)}")]


def build_site(context: SiteContext, site_dir: Path, previous: PreviousOutput | None) -> tuple[RenderedSite, dict[str, int], RedirectFiles, Reuse]:
    """Prepare, render, finish: the site's output in site_dir (which must not exist;
    it is made beside it). What it found, its counts, its redirect folders and what
    to reuse; problems in the first value's problems, nothing half-written on them."""
    work = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=f".{site_dir.name}.zensical-"))
    try:
        prepared = prepare_site(context, work / "prepared", overrides_folder(context))
        done = RenderedSite(problems=list(prepared.problems))
        done.problems += render(prepared, f"{context.name}/mkdocs.yml")
        if done.problems:
            return done, {}, RedirectFiles(), Reuse()
        finished = finish_pages(context, prepared, prepared.output)
        if finished.problems:
            return finished, {}, RedirectFiles(), Reuse()
        os.rename(prepared.output, site_dir)
        page_files = {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file()}
        recorded, reuse = finish.write_finish(context, site_dir, finish.finish_files(context), page_files, previous)
        return finished, finish.build_stats(context, finished.published), recorded, reuse
    finally:
        shutil.rmtree(work, ignore_errors=True)

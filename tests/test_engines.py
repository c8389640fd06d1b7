"""The same sites on each engine: ProperDocs (the maintained MkDocs 1.x line) gives
MkDocs' files; Zensical, through `specsites build --engine zensical`, passes the check."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, SITES

# The one line that names the engine; everything else must be the same bytes.
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')


def engine_build(engine: str, config: Path, out: Path, cache: Path) -> None:
    """`<engine> build -f <site>/mkdocs.yml` as a user runs it, with a version cache of
    its own (a shared one would hand one engine the other's pages)."""
    binary = Path(sys.executable).parent / engine
    assert binary.exists(), f"{engine} is not installed in {binary.parent}; scripts/test installs the test extra (pyproject.toml)"
    result = subprocess.run(
        [str(binary), "build", "-q", "-f", str(config), "-d", str(out)],
        capture_output=True, text=True, env={**ENV, "SPECSITES_CACHE_DIR": str(cache)}, timeout=600,
    )
    assert result.returncode == 0, result.stderr


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): GENERATOR.sub(b"", p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("site", SITES)
def test_properdocs_builds_the_same_files_as_mkdocs(repo: Path, site: str, tmp_path: Path) -> None:
    outputs = {}
    for engine in ("mkdocs", "properdocs"):
        engine_build(engine, repo / site / "mkdocs.yml", tmp_path / engine, tmp_path / f"cache-{engine}")
        outputs[engine] = files_of(tmp_path / engine)
    mkdocs, properdocs = outputs["mkdocs"], outputs["properdocs"]
    assert sorted(properdocs) == sorted(mkdocs)
    assert any(name.endswith(".html") for name in mkdocs) and "specs/index.html" in mkdocs
    different = [name for name in mkdocs if properdocs[name] != mkdocs[name]]
    assert different == []
    # And the engine did differ where it says its name: the comparison saw the builds' own files.
    generators = {GENERATOR.search((tmp_path / engine / "index.html").read_bytes()).group(0) for engine in outputs}
    assert len(generators) == 2

"""Issue 16: specsites works on the repository it is run in, installed any way."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, ROOT, copy_sources, install_copy

pytestmark = pytest.mark.slow  # pip installs


def specsites(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "specsites", *args], cwd=cwd, capture_output=True, text=True, env=env or ENV, timeout=300)


def test_a_non_editable_install_builds_the_copy_it_runs_in(tmp_path: Path) -> None:
    target = install_copy(tmp_path)
    env = {**ENV, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import specsites; print(specsites.__file__)"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.stdout.strip() == str(target / "specsites" / "__init__.py")  # the installed copy, not the sources

    copy = copy_sources(tmp_path / "copy")
    page = copy / "wg1-connectivity" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\n## Use cases of the copy {#copy}\n")
    result = specsites("build", cwd=copy / "wg3-customer-data" / "docs", env=env)  # from a folder inside it, as mkdocs does
    assert result.returncode == 0, result.stderr
    assert f"into {copy / 'site'}" in result.stdout
    assert "Use cases of the copy" in (copy / "site" / "wg1-connectivity" / "use-cases.html").read_text()


def test_a_copy_sharing_the_virtual_environment_builds_itself(tmp_path: Path) -> None:
    copy = copy_sources(tmp_path / "copy")
    before = sorted(os.listdir(ROOT))
    assert specsites("build", cwd=copy).returncode == 0
    assert (copy / "site" / "wg1-connectivity" / "index.html").is_file()
    assert sorted(os.listdir(ROOT)) == before  # nothing appeared in the original
    by_file = specsites("-f", str(copy / "wg1-connectivity" / "mkdocs.yml"), "check", cwd=tmp_path)
    assert by_file.returncode == 0 and by_file.stdout.splitlines()[-1] == "all URLs land"


def test_outside_any_repository_says_how_to_name_one(tmp_path: Path) -> None:
    result = specsites("build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {tmp_path}: no mkdocs.yml listing the specsites plugin's sites here or above; run in the repository, or pass -f path/to/mkdocs.yml"]

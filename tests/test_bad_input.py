"""Issues 3, 8 and 15: a catalogue of malformed and hostile input, one golden file a case.

Each file in cases/ holds the input (the text of one repository file, or files to
delete), the command line (`args`, default `build`; publish cases name hostile
destinations) and the exact error lines it must print. Every case must exit 2 with no
traceback, write nothing anywhere, and leave the previous site/ as it was.
"""
from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import copy_sources, run_cli, tree_snapshot

CASES = sorted((Path(__file__).parent / "cases").glob("*.yml"))


def case_input(case: dict) -> bytes | None:
    if "input_base64" in case:
        return base64.b64decode(case["input_base64"])
    if "input_repeat" in case:
        spec = case["input_repeat"]
        parts, size, n = [spec["head"]], len(spec["head"]), 0
        while size < spec["bytes"]:
            line = spec["line"].format(n=n)
            parts.append(line)
            size += len(line)
            n += 1
        return "".join(parts).encode()
    return case["input"].encode() if case.get("input") is not None else None


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sources(tmp_path_factory.mktemp("previous") / "repo")
    assert run_cli("build", root=root).returncode == 0
    return root / "site"


def case_args(case: dict, tmp_path: Path) -> list[str]:
    """The case's command line; `{tmp}` stands for the test's folder, so a command a
    hostile value might run would leave its marker where the snapshot sees it."""
    return [arg.replace("{tmp}", str(tmp_path)) for arg in case.get("args", ["build"])]


def apply_case(case: dict, repo: Path) -> None:
    for rel in case.get("delete", []):
        target = repo / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    data = case_input(case)
    if data is not None:
        # `{tmp}` as in case_args: the folder that holds the repository copy
        (repo / case["file"]).write_bytes(data.replace(b"{tmp}", str(repo.parent).encode()))


# The cases in two files (this one and test_bad_input_more.py), so that pytest-xdist
# (--dist loadfile) runs the halves on two workers.
CASE_SHARES = (CASES[0::2], CASES[1::2])


@pytest.mark.parametrize("path", CASE_SHARES[0], ids=[p.stem for p in CASE_SHARES[0]])
def test_bad_input_is_refused_with_its_exact_errors(path: Path, tmp_path: Path, previous_build: Path) -> None:
    check_case(path, tmp_path, previous_build)


def check_case(path: Path, tmp_path: Path, previous_build: Path) -> None:
    """Apply one case to a copy with a previous build: exit 2, its exact errors, nothing written."""
    case = yaml.safe_load(path.read_text())
    repo = copy_sources(tmp_path / "repo")
    # Hard links, not copies: a case only reads the previous output, and a write into
    # one of its files would still show in this case's snapshot (and fail it).
    shutil.copytree(previous_build, repo / "site", copy_function=os.link)
    apply_case(case, repo)
    before = tree_snapshot(tmp_path)

    result = run_cli(*case_args(case, tmp_path), root=repo)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"error: {line}".replace("{tmp}", str(tmp_path)) for line in case["errors"]]
    assert result.stdout == ""
    after = tree_snapshot(tmp_path)
    assert after == before, "files were written: " + ", ".join(sorted(set(after) ^ set(before)))[:500]


def test_debug_shows_the_traceback(repo: Path) -> None:
    (repo / "redirects.yml").write_text("wg9:\n  /a: /b\n")
    result = run_cli("--debug", "build", root=repo)
    assert result.returncode == 2
    assert "error: redirects.yml:1: unknown site 'wg9'" in result.stderr and "Traceback" in result.stderr

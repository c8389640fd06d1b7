"""Issue 18: a rebuild moves unchanged redirect folders in from the previous output
instead of writing their files again (redirect_folders.py, build.py).

The output must be exactly what a build into a fresh folder gives, whatever
changed; a failed build must leave the previous output whole.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import edit, fixture_repo, run_cli, tree_snapshot
from specsites.output_stamp import STAMP
from specsites.redirect_folders import occupied_folders, redirect_folders, reusable


def test_a_redirect_folder_is_the_highest_folder_nothing_else_is_in() -> None:
    page, other = "<p>to a</p>", "<p>to b</p>"
    occupied = occupied_folders(["index.html", "api/x.html", "api/deep/y.html"])
    assert occupied == {"", "api", "api/deep"}
    pages = {"moved/a.html": page, "moved/a/index.html": page, "api/old.html": page, "api/old/index.html": other, "api/deep/z/index.html": page, "top.html": page}
    folders = redirect_folders(pages, occupied)
    assert set(folders) == {"moved", "api/old", "api/deep/z"}  # api/old.html and top.html sit in occupied folders
    changed = redirect_folders({**pages, "moved/a/index.html": other}, occupied)
    renamed = redirect_folders({**{k: v for k, v in pages.items() if k != "moved/a.html"}, "moved/b.html": page}, occupied)
    assert changed["moved"] != folders["moved"] and renamed["moved"] != folders["moved"]
    assert changed["api/old"] == folders["api/old"]
    assert reusable(changed, folders) == ["api/deep/z", "api/old"]


def _build(root: Path, out: Path, *args: str) -> None:
    result = run_cli("build", "--out", out, *args, root=root)
    assert result.returncode == 0, result.stderr


def _folders(out: Path, site: str) -> dict[str, int]:
    """The site's recorded redirect folders -> their inode (the same folder, not a copy)."""
    recorded = json.loads((out / STAMP).read_text())[site]["redirect_folders"]
    return {folder: (out / site / folder).stat().st_ino for folder in recorded}


def _fresh(root: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = tmp_path / name
    _build(root, out)
    return tree_snapshot(out)


def _without_stamp(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in tree.items() if path != STAMP}


def test_a_rebuild_reuses_unchanged_redirect_folders_and_equals_a_fresh_build(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path / "repo")
    out = tmp_path / "out"
    _build(root, out)
    first = _folders(out, "beta")
    assert {"old-notes", "guide", "notes"} <= set(first)  # /old-notes/, /guide/ and the page notes.html's /notes/

    _build(root, out)
    assert _folders(out, "beta") == first  # every one moved over, none written again
    assert tree_snapshot(out) == _fresh(root, tmp_path, "fresh-1") | {STAMP: (out / STAMP).read_bytes()}

    edit(root / "redirects.yml", "/old-notes: /notes", "/old-notes: /notes#terms")
    _build(root, out)
    after = _folders(out, "beta")
    assert after["old-notes"] != first["old-notes"]  # changed: written afresh
    assert after["guide"] == first["guide"]
    assert "notes.html#terms" in (out / "beta" / "old-notes" / "index.html").read_text()
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-2"))

    shutil.rmtree(out / "beta" / "guide")  # gone from the output, though the stamp lists it
    _build(root, out)
    assert (out / "beta" / "guide" / "index.html").is_file()
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-3"))


def test_a_failed_build_leaves_the_redirect_folders_and_a_site_build_reuses_its_own(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path / "repo")
    out = tmp_path / "out"
    _build(root, out)
    before, alpha, beta = tree_snapshot(out), _folders(out, "alpha"), _folders(out, "beta")

    edit(root / "beta" / "docs" / "notes.md", "\n", "\n[broken](missing.md)\n", count=1)
    result = run_cli("build", "--out", out, root=root)
    assert result.returncode != 0
    assert tree_snapshot(out) == before
    assert _folders(out, "alpha") == alpha and _folders(out, "beta") == beta

    edit(root / "beta" / "docs" / "notes.md", "\n[broken](missing.md)\n", "\n", count=1)
    _build(root, out, "--site", "beta")
    assert _folders(out, "beta") == beta and _folders(out, "alpha") == alpha
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(before)

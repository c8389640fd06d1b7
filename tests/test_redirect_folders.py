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
from specsites.checks.output_stamp import STAMP
from specsites.checks.output_stamp import REDIRECT_FOLDERS
from specsites.errors import SpecSitesError
from specsites.machinery.output_files import reuse_leftovers, take_reused
from specsites.redirects.folders import RedirectFiles, Reuse, occupied_folders, plan_reuse, redirect_files

pytestmark = pytest.mark.slow  # several builds each, compared


def test_a_redirect_folder_is_the_highest_folder_nothing_else_is_in() -> None:
    page, other = "<p>to a</p>", "<p>to b</p>"
    occupied = occupied_folders(["index.html", "api/x.html", "api/deep/y.html"])
    assert occupied == {"", "api", "api/deep"}
    pages = {"moved/a.html": page, "moved/a/index.html": page, "api/old.html": page, "api/old/index.html": other, "api/deep/z/index.html": page, "top.html": page}
    record = redirect_files(pages, occupied)
    assert set(record.folders) == {"moved", "api/old", "api/deep/z"}  # api/old.html and top.html sit in occupied folders
    assert set(record.folders["moved"][1]) == {"moved/a.html", "moved/a/index.html"}
    assert RedirectFiles.from_json(record.as_json()) == record


def test_a_rebuild_takes_what_it_can_and_swaps_only_what_changed() -> None:
    page, other = "<p>to a</p>", "<p>to b</p>"
    occupied = {""}
    old = redirect_files({"moved/a.html": page, "moved/b.html": page, "moved/c.html": page, "moved/d/index.html": page, "gone/x.html": page, "same/y.html": page}, occupied)
    new = redirect_files({"moved/a.html": other, "moved/b.html": page, "moved/c.html": page, "moved/d/index.html": page, "moved/e/index.html": page, "same/y.html": page, "fresh/z.html": page}, occupied)
    reuse = plan_reuse(new, old, present=lambda folder: True)
    assert reuse.folders == ["moved", "same"]  # "fresh" is new, "gone" is gone
    assert reuse.write == ["moved/a.html", "moved/e/index.html"] and reuse.remove == ["moved/a.html"]
    assert plan_reuse(new, old, present=lambda folder: folder != "moved").folders == ["same"]  # not in the output any more
    rewritten = redirect_files({"moved/a.html": other, "moved/b.html": other, "moved/c.html": other}, occupied)
    assert plan_reuse(rewritten, old, present=lambda folder: True).folders == []  # mostly changed: written afresh


def _build(root: Path, out: Path, *args: str) -> None:
    result = run_cli("build", "--out", out, *args, root=root)
    assert result.returncode == 0, result.stderr


def _folders(out: Path, site: str) -> dict[str, int]:
    """The site's recorded redirect folders -> their inode (the same folder, not a copy)."""
    recorded = json.loads((out / REDIRECT_FOLDERS).read_text())[site]
    return {folder: (out / site / folder).stat().st_ino for folder in recorded}


def _folder_set(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()}


def _fresh(root: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = tmp_path / name
    _build(root, out)
    return tree_snapshot(out)


def _without_stamp(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in tree.items() if path not in (STAMP, REDIRECT_FOLDERS)}


def test_a_rebuild_reuses_unchanged_redirect_folders_and_equals_a_fresh_build(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path / "repo")
    edit(root / "redirects.yml", "/old-notes: /notes\n", "/old-notes: /notes\n" + "".join(f"  /old-notes/{n}: /notes\n" for n in "abc"))
    out = tmp_path / "out"
    _build(root, out)
    first = _folders(out, "beta")
    assert {"old-notes", "guide", "notes"} <= set(first)  # /old-notes/, /guide/ and the page notes.html's /notes/

    _build(root, out)
    assert _folders(out, "beta") == first  # every one moved over, none written again
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-1"))
    assert not [p for p in out.iterdir() if p.name.endswith((".patch", ".replaced"))]

    # one more old URL in a redirect folder, and one changed: only their files are swapped
    edit(root / "redirects.yml", "/old-notes: /notes", "/old-notes/deeper: /notes\n  /old-notes: /notes#terms")
    _build(root, out)
    after = _folders(out, "beta")
    assert after == first  # every folder moved over, old-notes too
    assert "notes.html#terms" in (out / "beta" / "old-notes" / "index.html").read_text()
    assert (out / "beta" / "old-notes" / "deeper" / "index.html").is_file()
    fresh = tmp_path / "fresh-2"
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-2"))
    assert _folder_set(out) == _folder_set(fresh)

    edit(root / "redirects.yml", "  /old-notes/deeper: /notes\n", "")  # gone again: its files and folder go
    _build(root, out)
    assert not (out / "beta" / "old-notes" / "deeper").exists() and _folders(out, "beta") == first
    fresh = tmp_path / "fresh-3"
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-3"))
    assert _folder_set(out) == _folder_set(fresh)

    shutil.rmtree(out / "beta" / "guide")  # gone from the output, though the stamp lists it
    _build(root, out)
    assert (out / "beta" / "guide" / "index.html").is_file()
    assert _without_stamp(tree_snapshot(out)) == _without_stamp(_fresh(root, tmp_path, "fresh-4"))


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


def test_a_step_that_fails_undoes_every_step_before_it(tmp_path: Path) -> None:
    previous, new = tmp_path / "out" / "beta", tmp_path / "staging" / "beta"
    for rel, text in {"moved/a.html": "a", "moved/gone/index.html": "g", "other/b.html": "b"}.items():
        (previous / rel).parent.mkdir(parents=True, exist_ok=True)
        (previous / rel).write_text(text)
    new.mkdir(parents=True)
    before = tree_snapshot(previous), _folder_set(previous)
    patch, _ = reuse_leftovers(new)
    (patch / "moved").mkdir(parents=True)
    (patch / "moved" / "a.html").write_text("a2")
    # the second new file was never written: its move fails after the others were done
    reuse = Reuse(["moved", "other"], ["moved/a.html", "moved/new/index.html"], ["moved/a.html", "moved/gone/index.html"])
    with pytest.raises(SpecSitesError) as raised:
        take_reused(previous, new, reuse)
    assert "cannot reuse the previous redirect pages" in str(raised.value)
    assert (tree_snapshot(previous), _folder_set(previous)) == before
    assert not (new / "moved").exists() and not (new / "other").exists()
    assert (patch / "moved" / "a.html").read_text() == "a2"

    (patch / "moved" / "new").mkdir()
    (patch / "moved" / "new" / "index.html").write_text("n")
    undo = take_reused(previous, new, reuse)
    assert tree_snapshot(new) == {"moved/a.html": b"a2", "moved/new/index.html": b"n", "other/b.html": b"b"}
    assert not (new / "moved" / "gone").exists()
    undo()  # another site's step failed: this one is put back too
    assert (tree_snapshot(previous), _folder_set(previous)) == before


def test_a_record_or_an_output_that_points_outside_is_not_followed(tmp_path: Path) -> None:
    # The record is read back from a file in the output: a path in it that leaves its
    # folder makes that folder written afresh, never a move outside.
    page = "<p>to a</p>"
    new = redirect_files({"moved/a.html": page, "moved/b.html": page, "moved/c.html": page}, {""})
    digest, files = new.folders["moved"]
    forged = RedirectFiles({"moved": ("other", {**files, "moved/../../../outside.html": "x"})})
    assert plan_reuse(new, forged, present=lambda folder: True).folders == []

    # An output whose redirect folder became a link elsewhere: the build stops, says
    # what to do, and moves nothing out of that other place.
    root = fixture_repo(tmp_path / "repo")
    out = tmp_path / "out"
    _build(root, out)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "beta" / "guide", elsewhere)
    (out / "beta" / "guide").symlink_to(elsewhere, target_is_directory=True)
    before = tree_snapshot(elsewhere)
    result = run_cli("build", "--out", out, root=root)
    assert result.returncode == 2 and "cannot reuse the previous redirect pages" in result.stderr and "Traceback" not in result.stderr
    assert (out / "beta" / "guide").is_symlink() and tree_snapshot(elsewhere) == before

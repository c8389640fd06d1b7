"""Issue 18: the plan of redirects.yml and the inventory, kept between runs.

A kept result must be exactly what a fresh read gives: these change each thing the
result is made from and read again through the cache, against a fresh read with
no cache at all.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit, fixture_repo
from specsites.machinery import parsed_cache
from specsites.errors import SpecSitesError
from specsites.sources.inventory import load_inventory
from specsites.redirects.plan import PlannedFiles, load_plan, load_planned_files
from specsites.sources.sites import load_repository


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SPECSITES_CACHE_DIR", str(tmp_path / "cache"))
    return fixture_repo(tmp_path / "repo")


def entries(kind: str) -> list[Path]:
    return sorted(parsed_cache.cache_dir().glob(f"{kind}-*.pickle"))


def fresh_plan(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """load_plan with an empty cache of its own: what a first read gives."""
    with monkeypatch.context() as m:
        m.setenv("SPECSITES_CACHE_DIR", str(tmp_path / f"empty-{len(list(tmp_path.iterdir()))}"))
        return load_plan(load_repository(root))


def test_a_kept_plan_is_the_fresh_plan_and_follows_every_edit(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_plan(load_repository(root))
    [entry] = entries("plan")
    assert load_plan(load_repository(root)) == first == fresh_plan(root, monkeypatch, tmp_path)
    assert entries("plan") == [entry]  # read back, not made again

    # redirects.yml changes: a target
    edit(root / "redirects.yml", "/old-notes: /notes", "/old-notes: alpha:/guide")
    changed = load_plan(load_repository(root))
    assert changed != first and changed == fresh_plan(root, monkeypatch, tmp_path)
    assert {r.key: r.to.site for r in changed.moved("beta") if r.to}["old-notes"] == "alpha"

    # the pages change: a new page makes its other URL form an alias
    (root / "beta" / "docs" / "extra.md").write_text("# Extra\n")
    with_page = load_plan(load_repository(root))
    assert "extra" in {r.key for r in with_page.redirects["beta"] if r.is_alias}
    assert with_page == fresh_plan(root, monkeypatch, tmp_path)


def test_a_problem_is_found_after_a_kept_plan_and_nothing_bad_is_kept(root: Path) -> None:
    load_plan(load_repository(root))
    (root / "alpha" / "docs" / "guide.md").unlink()  # /guide: alpha:/guide now goes nowhere
    for _ in range(2):
        with pytest.raises(SpecSitesError) as raised:
            load_plan(load_repository(root))
        assert "redirects.yml:4:" in str(raised.value)
    assert len(entries("plan")) == 1


def test_an_unreadable_entry_is_read_afresh_and_replaced(root: Path) -> None:
    first = load_plan(load_repository(root))
    [entry] = entries("plan")
    entry.write_bytes(b"not a pickle")
    assert load_plan(load_repository(root)) == first
    assert entry.read_bytes() != b"not a pickle"


def test_only_the_last_few_states_are_kept(root: Path) -> None:
    for n in range(parsed_cache.KEEP + 3):
        (root / "redirects.yml").write_text(f"beta:\n  /old-{n}: /notes\n")
        load_plan(load_repository(root))
    assert len(entries("plan")) == parsed_cache.KEEP


def test_a_kept_inventory_follows_the_file(root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = load_inventory(load_repository(root))
    assert load_inventory(load_repository(root)) == first and len(entries("inventory")) == 1
    edit(root / "published-urls.yml", "  /guide:\n", "  /guide:\n    - added\n")
    changed = load_inventory(load_repository(root))
    assert "added" in changed["alpha"]["/guide"] and "added" not in first["alpha"]["/guide"]
    monkeypatch.setenv("SPECSITES_CACHE_DIR", str(tmp_path / "other"))
    assert load_inventory(load_repository(root)) == changed


def test_the_check_reads_the_plans_files_the_build_kept_and_follows_every_edit(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan made afresh (by a build) keeps its redirect pages for the check after
    it; the check reads them without planning, and they are what the plan of the
    sources as they are gives, after each edit."""
    repo = load_repository(root)
    load_plan(repo)
    [kept] = entries("planned-files")
    for entry in entries("plan"):
        entry.unlink()
    assert load_planned_files(load_repository(root)) == PlannedFiles.of(fresh_plan(root, monkeypatch, tmp_path))
    assert entries("plan") == [] and entries("planned-files") == [kept]  # read back, nothing planned
    assert sorted(load_planned_files(repo).every("beta")) == sorted(f for r in fresh_plan(root, monkeypatch, tmp_path).redirects["beta"] for f in r.files)

    edit(root / "redirects.yml", "/old-notes: /notes", "/older-notes: /notes")  # another old URL
    changed = load_planned_files(load_repository(root))
    assert changed == PlannedFiles.of(fresh_plan(root, monkeypatch, tmp_path)) and "older-notes.html" in changed.every("beta")
    (root / "alpha" / "docs" / "guide.md").unlink()  # a target gone: the plan's problem, said by the check too
    with pytest.raises(SpecSitesError, match="redirects.yml:"):
        load_planned_files(load_repository(root))


def test_an_edited_map_is_replanned_from_the_last_plan_not_read_whole(root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 28: one more entry plans only that entry; the plan is the fresh plan's."""
    from specsites.redirects import plan as plan_module

    first = load_plan(load_repository(root))
    reads: list[bytes] = []
    real = plan_module.parse_redirects
    monkeypatch.setattr(plan_module, "parse_redirects", lambda data, *a, **k: reads.append(data) or real(data, *a, **k))
    edit(root / "redirects.yml", "beta:\n", "beta:\n  /older-notes: /notes\n")
    added = load_plan(load_repository(root))
    assert reads == []  # replanned from the last plan
    assert added != first and added == fresh_plan(root, monkeypatch, tmp_path)
    assert load_planned_files(load_repository(root)) == PlannedFiles.of(added)  # kept for the check
    # an edit only a whole reading plans (quoting) is read whole, and so is a problem
    edit(root / "redirects.yml", "  /older-notes: /notes\n", '  "/older-notes": /notes\n')
    reads.clear()
    assert load_plan(load_repository(root)) == added and len(reads) == 1
    edit(root / "redirects.yml", '  "/older-notes": /notes\n', "  /older-notes: /nowhere\n")
    with pytest.raises(SpecSitesError, match="redirects.yml:3: /nowhere is not a page on beta"):
        load_plan(load_repository(root))

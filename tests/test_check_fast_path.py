"""The static check's fast path (a published URL judged by the two files its forms
serve) and its listing on the workers, held to the plain walk (every job followed
with one StaticFollower, as tests/test_check_parts.py does) on damaged real builds."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import copy_sources
from test_check_parts import _every_job_followed, _split_check
from specsites.redirect_plan import load_plan
from specsites.sites import load_repository


def _damaged_copy(built: Path, tmp_path: Path) -> tuple[Path, Path, list]:
    root = copy_sources(tmp_path / "repo")
    shutil.copytree(built, root / "site")
    site = root / "site" / "wg3-customer-data"
    return root, site, load_plan(load_repository(root)).moved("wg3-customer-data")


def test_a_moved_page_in_a_linked_folder_is_judged_as_the_listing_sees_it(built: Path, tmp_path: Path) -> None:
    # The folder of a moved page's redirect page replaced by a link to a copy of it
    # outside the output: the listing does not go through links to folders, so the
    # plain walk finds no /x/index.html there (a 404); the split check must say so too.
    root, site, moved = _damaged_copy(built, tmp_path)
    folder = site / moved[1].files[1].rpartition("/")[0]
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(folder, elsewhere)
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere, target_is_directory=True)
    expected = _every_job_followed(root)
    assert any(f["url"].rstrip("/") == "/" + moved[1].key and "status 404" in f["problem"] for f in expected["failures"]), expected["failures"]
    assert _split_check(root, with_results=False) == {k: v for k, v in expected.items() if k != "results"}

"""Issue 18: the static check splits one site's URLs and redirect pages into parts,
followed on forked workers, and follows a redirect page again only when it is not
a published URL's form that landed already. Neither may change the report: a real
build with every kind of failure, checked split into one part per URL, gives the
report of following every job in order with the plain follower (run_check), which
splits and skips nothing."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from conftest import ENV, copy_sources, refresh_page
from specsites.commands.check import MAX_HOPS, orphaned_redirect_pages, plan_check, run_check
from specsites.sources.inventory import load_inventory
from specsites.checks.output_stamp import read_stamp, stamped_facts
from specsites.redirects.data import RedirectData, redirect_tags
from specsites.redirects.plan import PlannedFiles, load_plan
from specsites.sources.sites import base_urls, load_repository, site_pages
from specsites.checks.static_follow import StaticFollower
from specsites.urls import url_file

SPLIT = """
import json, sys
from pathlib import Path
from specsites.commands.check import check_sites
report = check_sites(root=Path(sys.argv[1]), processes=2, part_urls=1, with_results=sys.argv[2] == "all")
print(json.dumps(report.as_json(with_results=sys.argv[2] == "all")))
"""


def _split_check(root: Path, with_results: bool) -> dict:
    """The static check in a process of its own (one thread: map_forked forks), with
    each site split into one part per published URL and per redirect page."""
    result = subprocess.run([sys.executable, "-c", SPLIT, str(root), "all" if with_results else "failures"], capture_output=True, text=True, env=ENV, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _every_job_followed(root: Path) -> dict:
    """Every job followed in order with the plain follower, as the live check does,
    and each site's orphaned files after its jobs' failures, as the static check puts them."""
    repo = load_repository(root)
    urls = base_urls(repo, [], "--base-url")
    inventory, planned = load_inventory(repo), PlannedFiles.of(load_plan(repo))
    pages = {s.name: site_pages(repo, s) for s in repo.sites}
    out = root / "site"
    follower = StaticFollower({urls[s]: out / s for s in repo.names}, MAX_HOPS)
    report = run_check(plan_check(inventory, planned, urls), follower, urls, pages, stamped_facts(read_stamp(out)), with_results=True)
    shape = report.as_json(with_results=True)
    failures = []
    for summary in shape["sites"]:
        site = summary["site"]
        orphans = orphaned_redirect_pages(follower.files(urls[site]), site, pages[site], planned.every(site))
        summary["failures"] += len(orphans)
        failures += [f for f in shape["failures"] if f["site"] == site] + [asdict(o) for o in orphans]
    return {"ok": not failures, "sites": shape["sites"], "failures": failures, "results": shape["results"]}


@pytest.mark.slow  # several builds
def test_a_split_check_reports_what_following_every_job_does(built: Path, tmp_path: Path) -> None:
    root = copy_sources(tmp_path / "repo")
    shutil.copytree(built, root / "site")
    site = root / "site" / "wg3-customer-data"
    moved = load_plan(load_repository(root)).moved("wg3-customer-data")
    (site / moved[1].files[1]).unlink()  # a moved page lost one of its two files: a 404, and a redirect page missing
    (site / moved[2].files[0]).write_text(refresh_page("/" + moved[2].files[0]))  # one that loops
    # What the check judges by the file a URL serves, and must hand back to the
    # form-by-form walk: two redirect pages with one data block, sending them to a
    # page that is not there; a folder, and a FIFO (never read: no hang), where a
    # redirect page should be.
    to_nowhere = f"<!doctype html><html><head>{redirect_tags(RedirectData('/nowhere.html'))}</head><body></body></html>"
    (site / moved[3].files[0]).write_text(to_nowhere)
    (site / moved[4].files[1]).write_text(to_nowhere)
    (site / moved[0].files[0]).unlink()
    (site / moved[0].files[0]).mkdir()
    (site / moved[0].files[1]).unlink()
    os.mkfifo(site / moved[0].files[1])
    # A moved page whose forms all land, on a page that lost the id it was published with.
    landed_on = root / "site" / moved[5].to.site / url_file(moved[5].to.url)
    assert 'id="other-drafts"' in landed_on.read_text()
    landed_on.write_text(landed_on.read_text().replace('id="other-drafts"', 'id="other-drafts-gone"'))
    use_cases = site / "use-cases.html"
    use_cases.write_text(use_cases.read_text().replace('id="not-in-scope"', 'id="gone"'))  # an id lost
    (root / "site" / "wg1-connectivity" / "stray.html").write_text(refresh_page("/"))  # an orphan

    expected = _every_job_followed(root)
    problems = " ".join(f["problem"] for f in expected["failures"])
    assert all(kind in problems for kind in ("status 404", "redirect loop", "has no id", "orphaned")), problems
    failed = {f["url"] for f in expected["failures"]}
    assert {"/" + moved[n].key for n in (0, 3, 4)} <= {u.rstrip("/") for u in failed}, failed
    assert f"/{moved[5].key}#other-drafts" in failed, failed
    assert len(expected["results"]) > 200

    assert _split_check(root, with_results=True) == expected
    without_results = _split_check(root, with_results=False)
    assert without_results == {k: v for k, v in expected.items() if k != "results"}

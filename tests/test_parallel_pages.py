"""Issue 18: one site's pages rendered in parallel (parallel_pages) and the navigation
rendered once per folder (nav_cache) give, file for file, the bytes MkDocs' own
sequential build writes, and the same errors in the same order.

The parallel builds run in a fresh interpreter: forking needs a process without other
threads, which pytest's is not (map_forked would quietly run the pages here instead).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ENV, ROOT, tree_snapshot

sys.path.insert(0, str(ROOT / "benchmarks"))
import consortium  # noqa: E402  (the benchmark's generator of synthetic sites)

pytestmark = pytest.mark.slow  # the same site built several ways, compared

SITE = "wg1-synthetic"
PAGES = 63  # every worker gets dozens of pages, over MIN_PAGES


def _in_fresh_python(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _plain_mkdocs(repo: Path, out: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(repo / SITE / "mkdocs.yml"), "-d", str(out)], capture_output=True, text=True, env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr


def _build_one_site(repo: Path, out: Path, page_workers: int, other_thread: bool = False, nav_cache: bool = True) -> dict:
    """build_one_site as `specsites build` calls it: errors, records and who rendered.
    other_thread: with a second thread running, as in the preview (no forking then)."""
    return _in_fresh_python(
        f"""
        import json, os, threading
        if {other_thread}:
            stop = threading.Event()
            threading.Thread(target=stop.wait, daemon=True).start()
        from specsites.engines import parallel_pages
        from specsites.commands.build import build_one_site
        from specsites.engines.mkdocs_plugin import BuildOptions
        rendered = {{}}
        inner = parallel_pages.build
        def counting(config, **kwargs):
            rendered.update(inner(config, **kwargs))
            return rendered
        parallel_pages.build = counting
        r = build_one_site({str(repo / SITE / "mkdocs.yml")!r}, {str(out)!r}, BuildOptions(nav_cache={nav_cache}), page_workers={page_workers})
        print(json.dumps({{
            "errors": [str(p) for p in r.problems], "crashed": r.crashed, "stats": r.stats, "published": r.published,
            "facts": [[u, f.source, sorted(f.ids), f.headings, f.heading_lines] for u, f in r.facts.items()], "links": [repr(l) for l in r.links],
            "page_state": repr(r.page_state), "rendered": sorted(rendered.values()), "here": os.getpid(),
            "pids": sorted(rendered),
        }}))
        """
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return consortium.generate(tmp_path_factory.mktemp("parallel") / "repo", sites=1, pages=PAGES, redirects=300)


def test_parallel_pages_and_the_cached_nav_write_what_plain_mkdocs_writes(synthetic: Path, tmp_path: Path) -> None:
    # MkDocs' loop with Material's nav rendered for every page, as without this work
    assert not _build_one_site(synthetic, tmp_path / "plain", page_workers=1, nav_cache=False)["errors"]
    _plain_mkdocs(synthetic, tmp_path / "cached-nav")
    parallel = _build_one_site(synthetic, tmp_path / "parallel", page_workers=2)
    assert not parallel["errors"] and not parallel["crashed"], parallel
    # Both workers rendered pages, neither of them the parent process.
    assert len(parallel["pids"]) == 2 and parallel["here"] not in parallel["pids"], parallel["pids"]
    assert sum(parallel["rendered"]) >= PAGES and min(parallel["rendered"]) >= PAGES // 3, parallel["rendered"]

    plain = tree_snapshot(tmp_path / "plain")
    assert len(plain) > 500 and sum(1 for f in plain if f.endswith(".html")) > 2 * PAGES  # pages, redirects, theme
    for name in ("cached-nav", "parallel"):
        other = tree_snapshot(tmp_path / name)
        assert sorted(other) == sorted(plain), f"{name}: files differ: {sorted(set(other) ^ set(plain))[:5]}"
        differing = [f for f in plain if other[f] != plain[f]]
        assert not differing, f"{name}: {len(differing)} files differ from the plain build, e.g. {differing[:5]}"


def test_parallel_build_gathers_what_a_sequential_one_records(synthetic: Path, tmp_path: Path) -> None:
    sequential = _build_one_site(synthetic, tmp_path / "seq", page_workers=1)
    parallel = _build_one_site(synthetic, tmp_path / "par", page_workers=2)
    threaded = _build_one_site(synthetic, tmp_path / "threaded", page_workers=2, other_thread=True)
    assert sequential["pids"] == [] and len(parallel["pids"]) == 2
    assert threaded["pids"] == []  # pages rendered in the process itself: nothing rendered twice
    assert sequential["stats"]["pages"] >= PAGES and sequential["stats"]["redirects"] > 0
    for key in ("errors", "stats", "published", "facts", "links", "page_state"):
        assert parallel[key] == sequential[key], key
        assert threaded[key] == sequential[key], key
    seq = tree_snapshot(tmp_path / "seq")
    assert tree_snapshot(tmp_path / "threaded") == seq and tree_snapshot(tmp_path / "par") == seq


def test_errors_come_out_as_in_a_sequential_build(synthetic: Path, tmp_path: Path) -> None:
    """Problems in pages that different workers render: the same lines, in the same order."""
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(synthetic), str(repo)], check=True)
    docs = repo / SITE / "docs"
    pages = sorted(p for p in (docs / "api").glob("page-*.md"))[:2]  # neighbours in the nav
    pages += sorted(p for p in (docs / "security").glob("page-*.md"))[:1]
    for number, page in enumerate(pages):
        page.write_text(page.read_text() + f"\n## Broken {number} {{#broken-{number}\n\nSee [gone](missing-{number}.md).\n")
    sequential = _build_one_site(repo, tmp_path / "seq", page_workers=1)
    parallel = _build_one_site(repo, tmp_path / "par", page_workers=2)
    assert sequential["errors"] and not sequential["crashed"]
    for number in range(len(pages)):
        assert any(f"missing-{number}.md" in e for e in sequential["errors"]), sequential["errors"]
        assert any(f"{{#broken-{number}" in e for e in sequential["errors"]), sequential["errors"]
    assert parallel["errors"] == sequential["errors"]
    assert parallel["facts"] == sequential["facts"] and parallel["links"] == sequential["links"]

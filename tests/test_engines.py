"""The same sites on each engine: ProperDocs (the maintained MkDocs 1.x line) gives
MkDocs' files; Zensical, through `specsites build --engine zensical`, passes the check."""
from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, SITES, copy_sources, fixture_repo, run_cli, tree_snapshot
from specsites.redirects.data import MARKER

pytestmark = pytest.mark.slow  # builds with two engines (and pip installs Zensical)

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


def zensical_installed() -> None:
    """The tests build with Zensical: scripts/test installs it (scripts/_env.sh,
    ensure_zensical); a run without it fails here, saying so, rather than skipping."""
    assert (Path(sys.executable).parent / "zensical").exists(), "zensical is not installed; run the tests with scripts/test, which installs it"


def stamp_pages(out: Path) -> dict:
    """Each site's pages as the build's stamp records them: ids, section headings and
    their source lines, the source file (what the check and the inventory read)."""
    import json

    return {site: data["pages"] for site, data in json.loads((out / ".specsites-output").read_text()).items()}


def html_files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.html")}


@pytest.fixture(scope="module")
def fixture_on_both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """tests/fixture-repo built by MkDocs and by Zensical (the repository, both outputs)."""
    zensical_installed()
    root = fixture_repo(tmp_path_factory.mktemp("engines") / "repo")
    for engine in ("mkdocs", "zensical"):
        result = run_cli("build", "--engine", engine, "--out", root / f"site-{engine}", root=root)
        assert result.returncode == 0, result.stderr
    return root, root / "site-mkdocs", root / "site-zensical"


def test_a_zensical_build_of_the_fixture_passes_the_check(fixture_on_both) -> None:
    root, mkdocs, zensical = fixture_on_both
    assert b"zensical-" in (zensical / "beta" / "index.html").read_bytes()  # Zensical rendered it
    result = run_cli("check", "--out", zensical, root=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == run_cli("check", "--out", mkdocs, root=root).stdout  # the same URLs, ids and redirect pages followed


def test_zensical_publishes_the_same_pages_ids_and_redirects_as_mkdocs(fixture_on_both) -> None:
    root, mkdocs, zensical = fixture_on_both
    assert stamp_pages(zensical) == stamp_pages(mkdocs)
    assert html_files(zensical) == html_files(mkdocs)  # pages, redirect pages, 404: /x.html for /x
    for site in ("alpha", "beta", "gamma"):
        for name in ("_redirects", "netlify.toml", "nginx-redirects.conf", "specsites-known-urls.json", "CNAME", ".nojekyll"):
            assert (zensical / site / name).read_bytes() == (mkdocs / site / name).read_bytes(), (site, name)
    # A redirect page is the same page whichever engine rendered the site's pages.
    assert (zensical / "beta" / "old-notes.html").read_bytes() == (mkdocs / "beta" / "old-notes.html").read_bytes()


def test_the_section_anchor_script_and_overrides_render_under_zensical(fixture_on_both) -> None:
    root, mkdocs, zensical = fixture_on_both
    notes = (zensical / "beta" / "notes.html").read_text()
    assert notes.count(MARKER) == (mkdocs / "beta" / "notes.html").read_text().count(MARKER) > 0 and "\"glossary\"" in notes
    for page in (notes, (zensical / "beta" / "404.html").read_text()):
        assert '<nav class="specsites-switcher"' in page and 'id="specsites-banner"' in page
        # Every site in the switcher (Zensical's templates escape "/" in attributes too).
        hrefs = [html.unescape(h) for h in re.findall(r'<li><a href="([^"]*)" title=', page)]
        assert hrefs == ["https://alpha.example.org/", "https://beta.example.org/", "https://gamma.example.org/"]


def test_engine_zensical_in_the_base_config_and_a_bad_engine(tmp_path: Path) -> None:
    zensical_installed()
    root = fixture_repo(tmp_path / "repo")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("      redirects: redirects.yml\n", "      redirects: redirects.yml\n      engine: zensical\n"))
    result = run_cli("build", root=root)
    assert result.returncode == 0, result.stderr
    assert b'content="zensical-' in (root / "site" / "alpha" / "index.html").read_bytes()
    assert run_cli("check", root=root).returncode == 0
    line = config.read_text().splitlines().index("      engine: zensical") + 1
    config.write_text(config.read_text().replace("engine: zensical", "engine: hugo"))
    before = tree_snapshot(root / "site")
    result = run_cli("build", root=root)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: mkdocs.yml:{line}: engine: 'hugo' is not an engine specsites builds with; use one of: mkdocs, zensical"]
    assert tree_snapshot(root / "site") == before


def test_zensical_publishes_every_version_as_mkdocs_does(tmp_path: Path) -> None:
    """The versioned history of test_versions, on both engines: the same version and
    changes pages, ids and headings, and the check passes on the Zensical build."""
    from test_versions import make_history

    zensical_installed()
    root = copy_sources(tmp_path / "repo")
    make_history(root)
    for engine in ("mkdocs", "zensical"):
        result = run_cli("build", "--engine", engine, "--out", root.parent / engine, root=root, env={**ENV, "SPECSITES_CACHE_DIR": str(tmp_path / f"cache-{engine}")})
        assert result.returncode == 0, result.stderr
    mkdocs, zensical = root.parent / "mkdocs", root.parent / "zensical"
    assert "wg1-connectivity/specs/cdsc-wg1-01/2024-01-10/index.html" in html_files(zensical)
    assert html_files(zensical) == html_files(mkdocs)
    assert stamp_pages(zensical) == stamp_pages(mkdocs)
    old = (zensical / "wg1-connectivity/specs/cdsc-wg1-01/2024-01-10/index.html").read_text()
    assert "Keep the document short." in old and 'id="old-notes"' in old
    result = run_cli("check", "--out", zensical, root=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_link_fails_a_zensical_build_with_the_file_and_line(tmp_path: Path) -> None:
    zensical_installed()
    root = fixture_repo(tmp_path / "repo")
    assert run_cli("build", "--engine", "zensical", root=root).returncode == 0
    before = tree_snapshot(root / "site")
    guide = root / "alpha" / "docs" / "guide.md"
    guide.write_text(guide.read_text() + "\nSee [the old page](gone.md).\n")
    result = run_cli("build", "--engine", "zensical", root=root)
    assert result.returncode == 2, result.stderr  # bad input, as on MkDocs
    line = len(guide.read_text().splitlines())
    assert f"error: alpha/docs/guide.md:{line}: page does not exist (Zensical): See [the old page](gone.md).; fix the link or the page it names" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert tree_snapshot(root / "site") == before  # the previous output as it was

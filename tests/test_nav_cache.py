"""Issue 18: Material's navigation served from the per-folder cache (nav_cache) writes
the bytes Material writes without it, with the navigation features that change what
an item renders (tabs, sections, section index pages, expand, prune) and a nav of
sections inside sections, holding pages of other folders, index pages and a link.

Each build runs in a fresh interpreter, as `specsites build` runs a site's build in a
process of its own.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import ENV, ROOT, tree_snapshot

from specsites.engines import nav_cache

sys.path.insert(0, str(ROOT / "benchmarks"))
import consortium  # noqa: E402  (the benchmark's generator of synthetic sites)

pytestmark = pytest.mark.slow  # the same site built several ways, compared

SITE = "wg1-synthetic"
MATERIAL_NAV_ITEM = Path(__import__("material").__file__).parent / "templates" / "partials" / "nav-item.html"


def _build(repo: Path, out: Path, *, cached: bool) -> list[str]:
    code = f"""
        import json
        from specsites.commands.build import build_one_site
        from specsites.engines.mkdocs_plugin import BuildOptions
        r = build_one_site({str(repo / SITE / "mkdocs.yml")!r}, {str(out)!r}, BuildOptions(nav_cache={cached}), page_workers=1)
        print(json.dumps([str(p) for p in r.problems] + [r.crashed] * bool(r.crashed)))
    """
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=ENV, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site whose sections nest three deep, with index pages, a page filed under
    another folder's section, and a link."""
    repo = consortium.generate(tmp_path_factory.mktemp("nav") / "repo", sites=1, pages=33, redirects=0)
    docs = repo / SITE / "docs"
    config = yaml.safe_load((repo / SITE / "mkdocs.yml").read_text().replace("INHERIT: ../mkdocs.yml\n", ""))
    nav = config["nav"][:3]  # home, use cases, specifications
    stray = "examples/page-0.md"
    for number, section in enumerate(consortium.SECTIONS):
        pages = sorted(p.relative_to(docs).as_posix() for p in (docs / section).glob("page-*.md"))
        pages = [p for p in pages if p != stray]
        if number % 2 == 0:  # a section index page (navigation.indexes)
            (docs / section / "index.md").write_text(f"# About {section}\n\nThe {section} pages.\n")
            pages.insert(0, f"{section}/index.md")
        deeper = pages[-2:] + ([stray] if section == "api" else [])
        nav.append({section: [*pages[:2], {"More": [*pages[2:-2], {"Deeper": deeper}]}]})
    nav += [{"Consortium": "https://example.org/"}, "lfess.md"]
    config["nav"] = nav
    (repo / SITE / "mkdocs.yml").write_text("INHERIT: ../mkdocs.yml\n" + yaml.safe_dump(config, sort_keys=False))
    return repo


@pytest.mark.parametrize("features", [
    ["navigation.sections", "navigation.indexes"],
    ["navigation.tabs", "navigation.sections", "navigation.indexes", "navigation.expand"],
    ["navigation.tabs", "navigation.prune"],
    [],
], ids=["sections-indexes", "tabs-sections-indexes-expand", "tabs-prune", "none"])
def test_the_cached_navigation_writes_what_material_writes(nested: Path, tmp_path: Path, features: list[str]) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-a", str(nested), str(repo)], check=True)
    base = repo / "mkdocs.yml"
    old = "  features:\n    - navigation.sections\n    - navigation.top\n"
    assert old in base.read_text()
    base.write_text(base.read_text().replace(old, "  features:\n" + "".join(f"    - {f}\n" for f in [*features, "navigation.top"])))

    assert _build(repo, tmp_path / "material", cached=False) == []
    assert _build(repo, tmp_path / "cached", cached=True) == []
    material, cached = tree_snapshot(tmp_path / "material"), tree_snapshot(tmp_path / "cached")
    assert sorted(cached) == sorted(material)
    pages = [f for f in material if f.endswith(".html") and b'class="md-nav__link md-nav__link--active"' in material[f]]
    assert len(pages) > 30  # every page with its nav, sections three deep included
    assert any(b'id="__nav_5_3_3_label"' in material[f] for f in pages)
    differing = [f for f in material if cached[f] != material[f]]
    assert not differing, f"{len(differing)} files differ from Material's, e.g. {differing[:5]}"


def test_material_templates_are_read_with_the_cached_loops() -> None:
    """The installed Material's templates are as the cache expects, so the test above
    holds its loop over a section's children, not only Material's own templates."""
    source = MATERIAL_NAV_ITEM.read_text()
    served = nav_cache.rewritten("partials/nav-item.html", source)
    call = "{% call(item, loop_index) " + nav_cache.CHILDREN + "(nav_item, index, path, level) %}"
    assert served.count(call) == 1 and "{{ render(" in served and nav_cache.ITEM not in served
    # All but the loop's two tags and its index is Material's text, whitespace included.
    undone = served.replace(call, "{% for item in nav_item.children %}").replace("{% endcall %}", "{% endfor %}").replace("loop_index", "loop.index")
    assert undone == source


def test_a_template_written_otherwise_is_read_unchanged_but_for_the_item_cache() -> None:
    """Should Material's loop change, nav-item.html keeps its loop and each of its
    calls of the macro goes through the per-item cache instead."""
    loop = '{% for item in nav_item.children %}\n  {{ render(item, path ~ "_" ~ loop.index0, level + 1, nav_item) }}\n{% endfor %}'
    served = nav_cache.rewritten("partials/nav-item.html", loop)
    assert nav_cache.CHILDREN not in served
    assert served == loop.replace("{{ render(", "{{ " + nav_cache.ITEM + "(render, ")
    assert nav_cache.rewritten("partials/toc.html", loop) == loop

"""Issue 28: a rebuild takes over the pages whose inputs did not change, and its output
is byte for byte a clean build's, whatever was edited in between."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import SITES, edit, run_cli, tree_snapshot

pytestmark = pytest.mark.slow  # two builds a step

SHARED_PAGES = ["docs/lfess.md", "docs/specs/design-principles.md"]


def pages_of(repo: Path) -> list[Path]:
    own = [p for site in SITES for p in sorted((repo / site / "docs").rglob("*.md"))]
    specs = [p for site in SITES for p in sorted((repo / site / "specifications").glob("*.md"))]
    return own + specs + [repo / rel for rel in SHARED_PAGES]


def append_paragraph(repo: Path, rng: random.Random, step: int) -> str:
    page = rng.choice(pages_of(repo))
    page.write_text(page.read_text() + f"\nA paragraph added in step {step}.\n")
    return f"paragraph in {page.relative_to(repo)}"


def add_section(repo: Path, rng: random.Random, step: int) -> str:
    page = rng.choice(pages_of(repo))
    page.write_text(page.read_text() + f"\n## Added section {step} {{#added-section-{step}}}\n\nIts text.\n")
    return f"section in {page.relative_to(repo)}"


def retitle_page(repo: Path, rng: random.Random, step: int) -> str:
    """The page's h1: its title in the navigation of every page, unless the nav names it."""
    page = rng.choice([p for p in pages_of(repo) if re.search(r"^# ", p.read_text(), re.M)])
    page.write_text(re.sub(r"^# ", f"# Step {step} ", page.read_text(), count=1, flags=re.M))
    return f"title of {page.relative_to(repo)}"


def retitle_listed_page(repo: Path, rng: random.Random, step: int) -> str:
    """A page the nav lists without a title: every page's navigation shows its h1."""
    page = repo / rng.choice(list(SITES)) / "docs" / "specs" / "index.md"
    page.write_text(re.sub(r"^# ", f"# Step {step} ", page.read_text(), count=1, flags=re.M))
    return f"title of {page.relative_to(repo)}, shown in the nav"


def rename_nav_entry(repo: Path, rng: random.Random, step: int) -> str:
    config = repo / rng.choice(list(SITES)) / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Use Cases", f"  - Use Cases {step}", 1))
    return f"nav title in {config.relative_to(repo)}"


def add_page(repo: Path, rng: random.Random, step: int) -> str:
    site = rng.choice(list(SITES))
    (repo / site / "docs" / f"added-{step}.md").write_text(f"# Added page {step}\n\nNew text.\n")
    config = repo / site / "mkdocs.yml"
    config.write_text(config.read_text().rstrip("\n") + f"\n  - Added {step}: added-{step}.md\n")
    return f"page added to {site}"


def remove_added_page(repo: Path, rng: random.Random, step: int) -> str:
    added = sorted(repo.glob("*/docs/added-*.md"))
    if not added:
        return add_page(repo, rng, step)
    page = rng.choice(added)
    config = page.parent.parent / "mkdocs.yml"
    config.write_text("".join(line for line in config.read_text().splitlines(keepends=True) if f": {page.name}" not in line))
    page.unlink()
    return f"{page.relative_to(repo)} removed"


def edit_snippet(repo: Path, rng: random.Random, step: int) -> str:
    snippet = repo / "docs" / "snippets" / "contributing.md"
    snippet.write_text(snippet.read_text() + f"\nSnippet line of step {step}.\n")
    return "the shared snippet"


def edit_shared_config(repo: Path, rng: random.Random, step: int) -> str:
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("consortium: Carbon Data Specification Consortium", f"consortium: Carbon Data Specification Consortium {step}", 1))
    return "the base mkdocs.yml"


def nothing(repo: Path, rng: random.Random, step: int) -> str:
    return "nothing"


def _map_entry(repo: Path, entry: str) -> None:
    """An entry at the top of wg3's block: every line below it shifts."""
    edit(repo / "redirects.yml", "wg3-customer-data:\n", f"wg3-customer-data:\n  {entry}\n", 1)


def add_redirect(repo: Path, rng: random.Random, step: int) -> str:
    """A page no one published moves: no page shows the map's new line."""
    _map_entry(repo, f"/gone-{step}: /use-cases")
    return "a redirect added to the map"


def add_section_redirect(repo: Path, rng: random.Random, step: int) -> str:
    """A section of a page that stays moved: that page's script shows it."""
    _map_entry(repo, f"/use-cases#gone-{step}: wg1-connectivity:/use-cases")
    return "a section redirect added to the map"


def rename_a_spec_in_the_map(repo: Path, rng: random.Random, step: int) -> str:
    """A spec renamed: the specifications index lists it."""
    _map_entry(repo, f"/specs/cdsc-wg3-{90 + step}/: /specs/cdsc-wg3-01/")
    return "a spec's rename added to the map"


EDITS = [append_paragraph, append_paragraph, add_section, retitle_page, retitle_listed_page, rename_nav_entry, add_page, remove_added_page,
         edit_snippet, edit_shared_config, nothing, add_redirect, add_section_redirect, rename_a_spec_in_the_map]
UNSEEN = (nothing, add_redirect)  # edits no page shows: every page is taken over


def taken_over(stdout: str) -> dict[str, int]:
    found = {site: 0 for site in SITES}
    for line in stdout.splitlines():
        if match := re.match(r"(\S+) .* (\d+) unchanged pages taken over$", line):
            found[match.group(1)] = int(match.group(2))
    return found


def outputs(folder: Path) -> dict[str, bytes]:
    """The published files: each site's folder (the records beside them are the tool's)."""
    return {rel: data for rel, data in tree_snapshot(folder).items() if rel.split("/", 1)[0] in SITES}


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_rebuild_to_a_clean_build_s_bytes(repo: Path, tmp_path: Path, seed: int) -> None:
    """Each seed: an unchanged rebuild, then half the kinds of edit in a random order,
    each on a random page; after each, the rebuild's bytes are a clean build's."""
    rng = random.Random(seed)
    first = run_cli("build", root=repo)
    assert first.returncode == 0, first.stderr
    assert taken_over(first.stdout) == {site: 0 for site in SITES}  # nothing to take over yet
    kept = 0
    kinds = list(EDITS)
    rng.shuffle(kinds)
    for step, change in enumerate([nothing, *kinds[seed % 2::2]]):
        what = change(repo, rng, step)
        rebuild = run_cli("build", root=repo)
        assert rebuild.returncode == 0, (what, rebuild.stderr)
        clean = run_cli("build", "--out", tmp_path / f"clean-{step}", root=repo)
        assert clean.returncode == 0, (what, clean.stderr)
        assert taken_over(clean.stdout) == {site: 0 for site in SITES}
        built, expected = outputs(repo / "site"), outputs(tmp_path / f"clean-{step}")
        differ = sorted(rel for rel in built.keys() | expected.keys() if built.get(rel) != expected.get(rel))
        assert not differ, (step, what, differ[:10])
        counts = taken_over(rebuild.stdout)
        if change in UNSEEN:
            # an unchanged rebuild, or one more redirect, renders no page: every one is taken over
            pages = {site: int(re.search(rf"^{site} +(\d+) pages", rebuild.stdout, re.M).group(1)) for site in SITES}
            assert counts == pages, (step, rebuild.stdout)
        kept += sum(counts.values())
    assert kept > 0


def test_a_page_edit_renders_that_page_and_takes_over_the_rest(repo: Path) -> None:
    assert run_cli("build", root=repo).returncode == 0
    page = repo / "wg3-customer-data" / "docs" / "use-cases.md"
    page.write_text(page.read_text() + "\nOne more paragraph.\n")
    rebuild = run_cli("build", root=repo)
    assert rebuild.returncode == 0, rebuild.stderr
    pages = {site: int(re.search(rf"^{site} +(\d+) pages", rebuild.stdout, re.M).group(1)) for site in SITES}
    assert taken_over(rebuild.stdout) == {"wg1-connectivity": pages["wg1-connectivity"], "wg3-customer-data": pages["wg3-customer-data"] - 1}
    assert "One more paragraph." in (repo / "site" / "wg3-customer-data" / "use-cases.html").read_text()
    # the base configuration is read by every page: nothing is taken over
    config = repo / "mkdocs.yml"
    config.write_text(config.read_text().replace("consortium: Carbon Data Specification Consortium", "consortium: The Consortium", 1))
    again = run_cli("build", root=repo)
    assert again.returncode == 0, again.stderr
    assert taken_over(again.stdout) == {site: 0 for site in SITES}
    assert "The Consortium" in (repo / "site" / "wg1-connectivity" / "use-cases.html").read_text()

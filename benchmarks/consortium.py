"""Generates a synthetic consortium with the project's layout, for the benchmark."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ["data-model", "api", "security", "guides", "examples"]


def site_names(count: int) -> list[str]:
    return [f"wg{n}-synthetic" for n in range(1, count + 1)]


def _page(rng: random.Random, title: str, links: list[str]) -> str:
    """A page shaped like a spec: headings with ids, prose, a table, JSON."""
    parts = [f"# {title}\n"]
    for h in range(4):
        section = f"section-{h + 1}"
        parts.append(f"\n## {title} part {h + 1} {{#{section}}}\n")
        parts.append(" ".join(rng.choice(WORDS) for _ in range(70)).capitalize() + ".\n")
        parts.append(f"\n### Details {h + 1} {{#{section}-details}}\n")
        parts.append("| Field | Type | Required | Description |\n|---|---|---|---|\n")
        for f in range(6):
            parts.append(f"| `field_{h}_{f}` | string | {'yes' if f % 2 else 'no'} | {' '.join(rng.choice(WORDS) for _ in range(8))} |\n")
        parts.append('\n```json\n{\n  "id": "%d",\n  "values": [1, 2, 3],\n  "unit": "kWh",\n  "interval": {"start": "2024-06-01T00:00:00Z", "seconds": 900}\n}\n```\n' % h)
        if links:
            parts.append(f"\nSee [{rng.choice(WORDS)}]({rng.choice(links)}).\n")
    return "".join(parts)


WORDS = ("energy usage interval meter account customer provider client scope token grant data "
         "service point bill tariff register reading quality estimate consent authorization").split()


def generate(dest: Path, *, sites: int = 6, pages: int = 150, redirects: int = 10_000, seed: int = 7) -> Path:
    """A repository at dest: base config, shared docs, `sites` sites of `pages` pages,
    a redirects.yml of about `redirects` entries, and an inventory of the old URLs."""
    rng = random.Random(seed)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "docs", dest / "docs")
    names = site_names(sites)
    base = (ROOT / "mkdocs.yml").read_text()
    start = base.index("      sites:\n")
    end = base.index("      root: ..")
    base = base[:start] + "      sites:\n" + "".join(f"        - {n}\n" for n in names) + base[end:]
    base = base[: base.index("      # Where `specsites publish`")]
    (dest / "mkdocs.yml").write_text(base)
    all_pages: dict[str, list[str]] = {}
    for number, name in enumerate(names, 1):
        folder = dest / name
        docs = folder / "docs"
        (docs / "specs").mkdir(parents=True)
        keys = []
        per_section = max(1, (pages - 3) // len(SECTIONS))
        for section in SECTIONS:
            (docs / section).mkdir()
            for j in range(per_section):
                keys.append(f"{section}/page-{j}")
        nav = ["  - Home: index.md", "  - Use cases: use-cases.md"]
        (docs / "index.md").write_text(_page(rng, f"WG{number} home", [k + ".md" for k in keys[:5]]))
        (docs / "use-cases.md").write_text(_page(rng, "Use cases", []))
        (docs / "specs" / "index.md").write_text("# Specifications\n\n<!-- specsites:moved-specs -->\n")
        nav += ["  - Specifications:", "      - specs/index.md", "      - specs/design-principles.md"]
        for section in SECTIONS:
            nav.append(f"  - {section}:")
            for key in keys:
                if key.startswith(section + "/"):
                    links = [f"page-{rng.randrange(per_section)}.md" for _ in range(2)]
                    (docs / f"{key}.md").write_text(_page(rng, key.split("/")[1].replace("-", " ").title(), links))
                    nav.append(f"      - {key}.md")
        nav.append("  - lfess.md")
        (folder / "mkdocs.yml").write_text(
            f"INHERIT: ../mkdocs.yml\nsite_name: WG{number} synthetic\nsite_url: https://wg{number}.example.org/\n"
            f"repo_url: https://github.com/example/wg{number}\nedit_uri: \"\"\nnav:\n" + "\n".join(nav) + "\n"
        )
        all_pages[name] = keys
    mapping: dict[str, dict[str, str]] = {name: {} for name in names}
    old_urls: dict[str, dict[str, list[str]]] = {name: {} for name in names}
    made = 0
    # folder moves: an archived copy of each section, one entry each
    for name in names if redirects else []:
        for section in SECTIONS[:2]:
            mapping[name][f"/archive-{section}/*"] = f"/{section}/*"
            for key in all_pages[name]:
                if key.startswith(section + "/"):
                    old_urls[name][f"/archive-{key}"] = ["section-1"]
                    made += 1
    i = 0
    while made < redirects:
        name = names[i % len(names)]
        other = names[(i + 1) % len(names)]
        key = rng.choice(all_pages[other])
        kind = i % 10
        if kind < 5:  # moved to another site
            mapping[name][f"/moved/item-{i}"] = f"{other}:/{key}"
        elif kind < 7:  # moved within the site, to a section
            mapping[name][f"/old/item-{i}/"] = f"/{rng.choice(all_pages[name])}#section-2"
        elif kind < 9:  # a chain: old -> older -> page
            mapping[name][f"/chain/a-{i}"] = f"/chain/b-{i}"
            mapping[name][f"/chain/b-{i}"] = f"/{rng.choice(all_pages[name])}"
            old_urls[name][f"/chain/b-{i}"] = []
            made += 1
        else:  # sections of a split page, each to another place
            mapping[name][f"/split/item-{i}"] = f"/{rng.choice(all_pages[name])}"
            mapping[name][f"/split/item-{i}#section-1"] = f"{other}:/{key}#section-1"
            made += 1
        source = next(reversed(mapping[name])) if kind != 9 else f"/split/item-{i}"
        if kind in (7, 8):
            source = f"/chain/a-{i}"
        old_urls[name][source.rstrip("/") + ("/" if source.endswith("/") else "")] = ["section-2"] if kind in (5, 6) else []
        made += 1
        i += 1
    (dest / "redirects.yml").write_text(yaml.safe_dump(mapping, sort_keys=False, width=200))
    inventory = "\n".join(
        f"{name}:\n" + "".join(f"  {url}: [{', '.join(ids)}]\n" for url, ids in urls.items()) for name, urls in old_urls.items()
    )
    (dest / "published-urls.yml").write_text(inventory)
    return dest

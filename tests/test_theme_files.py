"""engines/theme_files.py adds the theme's files exactly as MkDocs' own
Files.add_files_from_theme does, for every site's real configuration."""
from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import Files, get_files

from conftest import ROOT, SITES
from specsites.engines.theme_files import add_theme_files


@pytest.mark.parametrize("site", list(SITES)[:1])  # the sites share the theme
def test_the_same_theme_files_as_mkdocs_adds(site: str, tmp_path: Path) -> None:
    config = load_config(str(ROOT / site / "mkdocs.yml"), site_dir=str(tmp_path))
    env = config.theme.get_env()
    theirs, ours = get_files(config), get_files(config)
    theirs.add_files_from_theme(env, config)
    add_theme_files(ours, env, config)
    listed = lambda files: [(f.src_uri, f.abs_src_path, f.dest_uri) for f in files]  # noqa: E731
    assert listed(ours) == listed(theirs)
    assert len(listed(theirs)) > len(listed(get_files(config)))  # the theme added files
    # and a name each pattern excludes stays out (a dot file, a template, a translation)
    assert not {f.src_uri for f in ours} & {"404.html", "main.html", "sitemap.xml"}
    assert not any(f.src_uri.startswith((".", "locales/")) or "/." in f.src_uri for f in Files(list(ours)) if f.abs_src_path and "/site-packages/" in f.abs_src_path)

"""Issue 14: the Nu Html Checker finds no error in the HTML our code makes: redirect
pages, 404 pages, and the switcher, banner and footer on every page; issue 26: on a
build with version tags, so the dated versions and their changes pages are checked too."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SITES
from test_versions import build_with_history

pytestmark = pytest.mark.slow  # the Nu Html Checker (Java)

# Errors in Material for MkDocs' own templates (header toggles and nav labels), not
# in ours: left out by the markup they are found in, which our templates never write.
MATERIAL_OWN = (
    ('Attribute “autocomplete” is only allowed', 'class="md-toggle"'),
    ('Bad value “” for attribute “tabindex” on element “label”', 'class="md-nav__link"'),
)


def _vnu_jar() -> Path:
    jar = os.environ.get("SPECSITES_VNU_JAR", "")
    if not jar or not Path(jar).is_file():
        pytest.fail("the Nu Html Checker is not installed; run the tests with scripts/test, which installs npm's vnu-jar")
    if not shutil.which("java"):
        pytest.fail("java is not installed; scripts/test installs Debian's default-jre-headless")
    return Path(jar)


def _errors(files: list[Path]) -> list[dict]:
    result = subprocess.run(
        ["java", "-jar", str(_vnu_jar()), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [m for m in messages if m.get("type") == "error" or m.get("subType") == "fatal"]


def _ours(message: dict) -> bool:
    return not any(text in message.get("message", "") and markup in message.get("extract", "") for text, markup in MATERIAL_OWN)


@pytest.fixture(scope="module")
def built_with_versions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both sites, with dated versions of three specs (test_versions' history)."""
    return build_with_history(tmp_path_factory.mktemp("html")) / "site"


def test_generated_html_has_no_error(built_with_versions: Path, tmp_path: Path) -> None:
    built = built_with_versions
    files = sorted(p for site in SITES for p in (built / site).rglob("*.html"))
    redirect_pages = [p for p in files if 'rel="canonical"' in p.read_text() and "md-header" not in p.read_text()]
    assert len(redirect_pages) >= 10 and len(files) > len(redirect_pages) + 10
    versions = [p for p in files if "specsites-versions" in p.read_text() and "/20" in p.as_posix()]
    assert any(p.name == "changes.html" for p in files) and len(versions) >= 3
    # A page with a stray end tag, checked in the same run: the checker does report.
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body></div></body></html>')
    errors = [m for m in _errors([*files, bad]) if _ours(m)]
    assert [m for m in errors if m["url"].endswith("/bad.html")]
    # test_versions' old text keeps the flaw it was tagged with (an id used twice): its content, not our code.
    ours = [f"{m['url']}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]" for m in errors
            if not m["url"].endswith("/bad.html") and not ('<span id="goals">' in m.get("extract", "") and "/2024-01-10/" in m["url"])]
    assert ours == []

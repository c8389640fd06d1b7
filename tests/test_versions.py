"""Issue 17: every tagged version of a spec at its own permanent URL, linked to the
others, with what changed; through the real CLI on a git repository made here.

The history made by `versioned` (one build for the module):
- 2023-12-01: CDSC-WG1-02 as written before front matter (a hand-written header);
- 2024-01-10: CDSC-WG1-01 with an "Old notes" section and other goals, and the
  Customer Data spec still named CDSC-WG1-03 (tag cdsc-wg1-03/2024-01-10);
- now (the repository's sources): CDSC-WG1-01 of 2024-06-27, tagged too, and
  CDSC-WG1-03 renamed CDSC-WG3-01; redirects.yml moves the old folders.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ENV, SITES, copy_sources, edit, git, header_field, run_cli, readme_recipe
from http_follow import ResolvingFetch, follow
from specsites.checks.http_fetch import HttpFetch
from github_pages import GitHubPagesServer

WG1 = "https://connectivity.carbondataspec.org/"
WG3 = "https://customerdata.carbondataspec.org/"
V1 = "wg1-connectivity/specifications/cdsc-wg1-01.md"
V2 = "wg1-connectivity/specifications/cdsc-wg1-02.md"
V3 = "wg3-customer-data/specifications/cdsc-wg3-01.md"
# With a flaw the build refuses today (an id used twice): history is kept as it was.
OLD_NOTES = '\n### 1.3 Old notes {#old-notes}\n\nThis section was dropped before the 2024-06-27 version.<span id="goals"></span>\n'


def make_history(root: Path) -> None:
    now = {p: (root / p).read_text() for p in (V1, V2, V3, "redirects.yml")}
    git("init", "-q", cwd=root)
    # 2023-12-01: CDSC-WG1-02 as sources were written before front matter.
    front, body = re.match(r"(---\n.*?\n---\n)(.*)", now[V2], re.DOTALL).groups()
    (root / V2).write_text(
        "# CDSC-WG1-02: Client Registration {#cdsc-wg1-02}\n\n**Status:** Draft<br>\n**Editors:** CDSC-WG1 specification editors\n\n"
        + body.replace("Before a third-party application", "In December 2023, before a third-party application")
    )
    git("add", "-A", cwd=root)
    git("commit", "-qm", "CDSC-WG1-02 of December", cwd=root)
    git("tag", "cdsc-wg1-02/2023-12-01", cwd=root)
    (root / V2).write_text(now[V2])
    # 2024-01-10: CDSC-WG1-01's first version; the Customer Data spec still CDSC-WG1-03.
    edit(root / V1, "date: 2024-06-27", "date: 2024-01-10", count=1)
    edit(root / V1, "- Keep the document small, static and readable by a person.", "- Keep the document short.", count=1)
    edit(root / V1, "\n## 2. Terminology {#terminology}", OLD_NOTES + "\n## 2. Terminology {#terminology}", count=1)
    old3 = root / "wg3-customer-data/specifications/cdsc-wg1-03.md"
    (root / V3).rename(old3)
    edit(root / "wg3-customer-data/specifications/cdsc-wg1-03.md", "id: CDSC-WG3-01", "id: CDSC-WG1-03", count=1)
    text = old3.read_text()
    text = re.sub(r"^date: .*$", "date: 2024-01-10", text, count=1, flags=re.MULTILINE)
    old3.write_text(re.sub(r"^previous_ids: .*\n", "", text, count=1, flags=re.MULTILINE))
    git("add", "-A", cwd=root)
    git("commit", "-qm", "First versions", cwd=root)
    git("tag", "cdsc-wg1-01/2024-01-10", cwd=root)
    git("tag", "-a", "-m", "CDSC-WG1-03 as of 2024-01-10", "cdsc-wg1-03/2024-01-10", cwd=root)
    # Now: the sources as they are, and the old folders moved with every version in them.
    old3.unlink()
    for path, text in now.items():
        (root / path).write_text(text)
    edit(root / "redirects.yml", "wg3-customer-data:\n", "wg3-customer-data:\n  /specs/cdsc-wg1-03/*: /specs/cdsc-wg3-01/*\n  /specs/cdsc-wg1-01/*: wg1-connectivity:/specs/cdsc-wg1-01/*\n", count=1)
    git("add", "-A", cwd=root)
    git("commit", "-qm", "Now", cwd=root)
    git("tag", "-a", "-m", "CDSC-WG1-01 as of 2024-06-27", "cdsc-wg1-01/2024-06-27", cwd=root)


def build_with_history(folder: Path) -> Path:
    """A copy of the sources under folder with make_history's versions, built with a
    version cache of its own (its first build renders every version): the copy's root."""
    root = copy_sources(folder / "repo")
    make_history(root)
    result = run_cli("build", root=root, env={**ENV, "SPECSITES_CACHE_DIR": str(folder / "cache")})
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_history(tmp_path_factory.mktemp("versioned"))


def page(root: Path, site: str, path: str) -> str:
    return (root / "site" / site / path).read_text()


@pytest.mark.slow  # several builds
def test_each_version_is_published_at_its_url_with_its_own_text(versioned: Path) -> None:
    first = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-01-10/index.html")
    second = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-06-27/index.html")
    latest = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/index.html")
    assert "Keep the document short." in first and 'id="old-notes"' in first
    assert "Keep the document small, static and readable by a person." not in first
    for html in (second, latest):
        assert "Keep the document small, static and readable by a person." in html and 'id="old-notes"' not in html
    assert "<title>CDSC-WG1-01 Server Metadata (2024-01-10) - CDSC Connectivity Working Group</title>" in first
    # the site's theme and nav around an old text
    assert 'class="md-nav' in first and "CDSC-WG1-02 Client Registration" in first
    # a source from before front matter: today's metadata, the tag's date, one title
    legacy = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-02/2023-12-01/index.html")
    assert "In December 2023, before a third-party application" in legacy
    assert legacy.count("<h1") == 1 and "2023-12-01/</a> (2023-12-01)" in header_field(legacy, "This version")
    # a relative link of the old text still reaches the page it named
    assert f'href="{WG1}specs/cdsc-wg1-02/"' in first
    # the renamed spec's version, under its name now
    renamed = page(versioned, "wg3-customer-data", "specs/cdsc-wg3-01/2024-01-10/index.html")
    assert "CDSC-WG1-03" in renamed.split("<h1", 1)[1][:200]


def test_version_links_between_versions(versioned: Path) -> None:
    base = WG1 + "specs/cdsc-wg1-01/"
    first = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-01-10/index.html")
    second = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-06-27/index.html")
    latest = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/index.html")
    assert header_field(first, "This version") == f'<a href="{base}2024-01-10/">{base}2024-01-10/</a> (2024-01-10)'
    assert header_field(first, "Latest published version") == f'<a href="{base}2024-06-27/">{base}2024-06-27/</a> (2024-06-27)'
    assert header_field(first, "Editor's draft") == f'<a href="{base}">{base}</a>'
    assert header_field(first, "Next version") == f'<a href="{base}2024-06-27/">2024-06-27</a>'
    assert header_field(first, "Previous version") == ""
    assert header_field(second, "Previous version") == f'<a href="{base}2024-01-10/">2024-01-10</a> (<a href="{base}2024-06-27/changes">changes since</a>)'
    assert header_field(second, "Next version") == ""
    # the living text is the editor's draft; its date is the 2024-06-27 version's
    assert header_field(latest, "This version").startswith("Editor's draft") and f'<a href="{base}2024-06-27/">' in header_field(latest, "This version")
    assert header_field(latest, "Previous version").startswith(f'<a href="{base}2024-01-10/">2024-01-10</a>')
    # the history in every header, newest first; the version selector by the title
    for html, own in ((latest, None), (first, "2024-01-10"), (second, "2024-06-27")):
        history = header_field(html, "Version history")
        assert re.findall(r'<a href="' + re.escape(base) + r'(\d{4}-\d\d-\d\d)/">', history) == ["2024-06-27", "2024-01-10"]
        assert ("(this version)" in history) == (own is not None)
        selector = re.search(r'<details class="specsites-versions">(.*?)</details>', html, re.DOTALL).group(1)
        assert re.findall(r'<a href="([^"]*)"', selector) == [base, base + "2024-06-27/", base + "2024-01-10/"]
        current = re.search(r'<a href="([^"]*)" aria-current="page">', selector).group(1)
        assert current == (base + own + "/" if own else base)
        # "Other drafts" lists the other specs only
        section = html.split('id="other-drafts"', 1)[1]
        assert "CDSC-WG3-01: Customer Data" in section and f'href="{base}2024-01-10/"' not in section.split("</article>")[0]
    # dated titles: the H1 and the browser's title carry the date
    assert '<h1 id="cdsc-wg1-01">CDSC-WG1-01: Server Metadata (2024-01-10 version)' in first
    assert "<title>CDSC-WG1-01 Server Metadata (2024-06-27) - " in second and "(2024-06-27 version)" in second
    assert '<h1 id="cdsc-wg1-01">CDSC-WG1-01: Server Metadata<a' in latest


def test_an_old_version_says_a_newer_one_exists_and_links_the_same_section(versioned: Path) -> None:
    first = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-01-10/index.html")
    banner = re.search(r'<div class="admonition warning specsites-old-version" data-latest-ids="([^"]*)">(.*?)</div>', first, re.DOTALL)
    assert banner, "no banner on the old version"
    ids = banner.group(1).split()
    assert "goals" in ids and "terminology" in ids and "old-notes" not in ids
    assert f'<a class="specsites-latest-link" href="{WG1}specs/cdsc-wg1-01/">the latest version</a> (2024-06-27)' in banner.group(2)
    for path in ("specs/cdsc-wg1-01/2024-06-27/index.html", "specs/cdsc-wg1-01/index.html"):
        assert "specsites-old-version" not in page(versioned, "wg1-connectivity", path)


def test_the_banner_follows_the_readers_section_in_a_browser(versioned: Path, chromium) -> None:
    with GitHubPagesServer({"": versioned / "site" / "wg1-connectivity"}) as server:
        browser = chromium()
        try:
            tab = browser.new_page()
            old = f"http://127.0.0.1:{server.port}/specs/cdsc-wg1-01/2024-01-10/"
            for fragment, expected in (("#goals", "#goals"), ("#old-notes", ""), ("", "")):
                tab.goto(old + fragment)
                href = tab.get_attribute(".specsites-latest-link", "href")
                assert href == WG1 + "specs/cdsc-wg1-01/" + expected, (fragment, href)
                if fragment:  # the banner stays in view, and the section lands below it
                    banner, heading = tab.locator(".specsites-old-version").bounding_box(), tab.locator(fragment).first.bounding_box()
                    assert banner["y"] >= 0 and banner["y"] + banner["height"] <= heading["y"] + 1, (banner, heading)
        finally:
            browser.close()


@pytest.fixture(scope="module")
def fetch(versioned: Path) -> Iterator[HttpFetch]:
    folders = {host: versioned / "site" / site for site, host in SITES.items()}
    with GitHubPagesServer(folders) as server:
        with ResolvingFetch({host: ("127.0.0.1", server.port) for host in SITES.values()}) as fetch:
            yield fetch


@pytest.mark.parametrize("form", ["{}", "{}/", "{}.html", "{}/index.html"])
@pytest.mark.parametrize(("old", "new", "section"), [
    (WG3 + "specs/cdsc-wg1-03/2024-01-10", WG3 + "specs/cdsc-wg3-01/2024-01-10/", "introduction"),
    (WG3 + "specs/cdsc-wg1-03/2024-01-10/changes", WG3 + "specs/cdsc-wg3-01/2024-01-10/changes.html", "changes"),
    (WG3 + "specs/cdsc-wg1-01/2024-01-10", WG1 + "specs/cdsc-wg1-01/2024-01-10/", "introduction"),
])
def test_an_old_version_of_a_moved_spec_lands_from_its_old_url(fetch: HttpFetch, old: str, new: str, section: str, form: str) -> None:
    landing = follow(form.format(old) + f"?from=citation#{section}", fetch)
    assert not landing.error, landing.hops
    assert landing.url == new + f"?from=citation#{section}" and section in landing.ids


def test_the_changes_page_lists_each_changed_section(versioned: Path) -> None:
    changes = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-06-27/changes.html")
    summary = re.search(r'<ul class="specsites-changes-summary">(.*?)</ul>', changes, re.DOTALL).group(1)
    assert "Sections added: none" in summary
    assert re.search(r'Sections removed \(1\): <a href="[^"]*2024-01-10/#old-notes">1.3 Old notes</a>', summary)
    assert re.search(r'Sections changed \(1\): <a href="[^"]*2024-06-27/#goals">1.1 Goals</a>', summary)
    # the rendered text, words marked where they changed: no Markdown, no line markers
    goals = changes.split('id="changed-goals"', 1)[1].split("</div>", 1)[0]
    assert "<li>Keep the document <del>short</del><ins>small, static and readable by a person</ins>.</li>" in goals
    assert "`" not in goals and "\n+ " not in goals and "\n- " not in goals
    removed = changes.split('id="removed-old-notes"', 1)[1].split("</div>", 1)[0]
    assert "<p><del>This section was dropped before the 2024-06-27 version.</del>" in removed and 'id="goals"' not in removed
    first = page(versioned, "wg1-connectivity", "specs/cdsc-wg1-01/2024-01-10/changes.html")
    assert "is the first published version" in first


@pytest.mark.slow  # several builds
def test_a_warm_build_writes_the_same_versions(versioned: Path, tmp_path: Path) -> None:
    """The second build takes every version page from the cache: the same bytes."""
    out = tmp_path / "again"
    result = run_cli("build", "--out", out, root=versioned, env={**ENV, "SPECSITES_CACHE_DIR": str(versioned.parent / "cache")})
    assert result.returncode == 0, result.stderr
    cold = versioned / "site"
    for path in sorted(cold.rglob("*.html")):
        assert (out / path.relative_to(cold)).read_bytes() == path.read_bytes(), path
    assert (out / "wg1-connectivity/sitemap.xml").read_bytes() == (cold / "wg1-connectivity/sitemap.xml").read_bytes()
    assert "2024-01-10" not in (cold / "wg1-connectivity/sitemap.xml").read_text()


@pytest.mark.slow  # several builds
def test_publish_a_version_then_the_check_guards_its_url(tmp_path: Path) -> None:
    """The README's recipe on a fresh repository, a real publish (to local
    repositories) recording the version, then the tag gone: the check fails."""
    root = copy_sources(tmp_path / "repo")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-qm", "Sources", cwd=root)
    for command in readme_recipe("Publish a version"):
        if command[0] == "git":
            git(*command[1:], cwd=root)
        else:
            result = run_cli(command[0].removeprefix("scripts/"), *command[1:], root=root)
            assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    assert "Keep the document small" in page(root, "wg1-connectivity", "specs/cdsc-wg1-01/2024-06-27/index.html")
    # the output was built from the tags as they were: a deleted tag makes it stale
    git("tag", "-d", "cdsc-wg1-01/2024-06-27", cwd=root)
    stale = run_cli("check", root=root)
    assert stale.returncode == 2 and "was built before the last change to the version tags" in stale.stderr
    git("tag", "cdsc-wg1-01/2024-06-27", cwd=root)
    remotes = {site: tmp_path / f"{site}.git" for site in SITES}
    for remote in remotes.values():
        git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    published = run_cli("publish", *[f"--dest={s}={r}" for s, r in remotes.items()], "--record", root=root)  # a release, pushed elsewhere than mkdocs.yml says
    assert published.returncode == 0, published.stderr
    inventory = (root / "published-urls.yml").read_text()
    assert "  /specs/cdsc-wg1-01/2024-06-27/:\n    - " in inventory and "  /specs/cdsc-wg1-01/2024-06-27/changes:" in inventory
    files = git("--git-dir", str(remotes["wg1-connectivity"]), "ls-tree", "-r", "--name-only", "gh-pages", cwd=tmp_path).splitlines()
    assert "specs/cdsc-wg1-01/2024-06-27/index.html" in files

    git("tag", "-d", "cdsc-wg1-01/2024-06-27", cwd=root)
    assert run_cli("build", root=root).returncode == 0
    check = run_cli("check", root=root)
    assert check.returncode == 1
    fails = [line for line in check.stdout.splitlines() if line.startswith("FAIL")]
    assert any(line.startswith("FAIL wg1-connectivity /specs/cdsc-wg1-01/2024-06-27/: status 404") for line in fails), check.stdout
    assert any("/specs/cdsc-wg1-01/2024-06-27/changes" in line for line in fails)


def test_bad_version_tags_are_refused_one_line_each(versioned: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git("clone", "-q", str(versioned), str(clone), cwd=tmp_path)
    for tag in ("CDSC-WG1-01/2024-06-27", "cdsc-wg1-01/v1.0", "cdsc-wg1-01/2024-13-45", "cdsc-wg9-09/2024-01-01", "cdsc-wg1-02/2024-05-05"):
        git("tag", tag, cwd=clone)
    git("tag", "release-1.0", cwd=clone)  # not a version tag: ignored
    result = run_cli("build", root=clone)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: git tag CDSC-WG1-01/2024-06-27: a version tag is <spec>/<YYYY-MM-DD> in lower case, like cdsc-wg1-01/2024-06-27; delete it (git tag -d) and tag again",
        "error: git tag cdsc-wg1-01/2024-13-45: 2024-13-45 is not a date; delete the tag (git tag -d cdsc-wg1-01/2024-13-45) and tag the version as cdsc-wg1-01/YYYY-MM-DD",
        "error: git tag cdsc-wg1-01/v1.0: a version tag is <spec>/<YYYY-MM-DD> in lower case, like cdsc-wg1-01/2024-06-27; delete it (git tag -d) and tag again",
        "error: git tag cdsc-wg1-02/2024-05-05: the source at the tag says date: 2024-06-27; delete the tag (git tag -d cdsc-wg1-02/2024-05-05) and tag the version as cdsc-wg1-02/2024-06-27",
        "error: git tag cdsc-wg9-09/2024-01-01: no specification CDSC-WG9-09 now (nor one with it in previous_ids); restore its source, or add CDSC-WG9-09 to the previous_ids of the spec it became",
    ]
    assert not (clone / "site").exists()


@pytest.mark.slow  # several builds
def test_the_preview_publishes_a_version_when_it_is_tagged(tmp_path: Path) -> None:
    from test_preview import Preview

    root = copy_sources(tmp_path / "repo")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-qm", "Sources", cwd=root)
    preview = Preview(root, tmp_path)
    try:
        preview.wait_for(lambda: "Server Metadata" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/"), "the first build")
        assert "none yet: no dated version is published" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/")
        git("tag", "cdsc-wg1-01/2024-06-27", cwd=root)
        preview.wait_for(lambda: "Keep the document small" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/2024-06-27/"), "the tagged version")
        assert "2024-06-27/changes" in preview.get("wg1-connectivity", "specs/cdsc-wg1-01/")
    finally:
        assert preview.stop() == 0

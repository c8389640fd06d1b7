"""Issue 17: the pure parts of versions (tags, links, headers) and of the diff."""
from __future__ import annotations

from specsites.sources.spec_meta import Editor, SpecMeta
from specsites.pages.spec_header import Publisher, citation_bibtex, front_sections, header_html, version_selector
from specsites.pages.version_diff import changes_markdown, compare, rendered_diff, section_renderer, sections
from specsites.pages.versions import Version, absolute_links, parse_tags, resolve_versions, split_source

META = SpecMeta(site="wg1-connectivity", slug="cdsc-wg1-01", id="CDSC-WG1-01", title="Server Metadata", status="Draft",
                working_group="CDSC-WG1 Connectivity", editors=(Editor("E"),), date="2024-06-27")
SITE = "https://connectivity.carbondataspec.org/"


def test_only_cdsc_tags_are_version_tags_and_each_must_be_well_formed() -> None:
    found, problems = parse_tags(["v1.0", "cdsc-wg1-01/2024-06-27", "Cdsc-wg1-01/2024-06-27", "cdsc-wg1-01/2024-02-30", "cdsc-wg1-01"])
    assert found == [("cdsc-wg1-01/2024-06-27", "cdsc-wg1-01", "2024-06-27")]
    assert sorted(p.file for p in problems) == ["git tag Cdsc-wg1-01/2024-06-27", "git tag cdsc-wg1-01", "git tag cdsc-wg1-01/2024-02-30"]


def test_a_previous_id_tag_belongs_to_the_spec_it_became_and_dates_stay_unique() -> None:
    renamed = SpecMeta(**{**META.__dict__, "slug": "cdsc-wg3-01", "id": "CDSC-WG3-01", "previous_ids": ("CDSC-WG1-03",)})
    tags = [("cdsc-wg1-03/2024-01-10", "cdsc-wg1-03", "2024-01-10"), ("cdsc-wg3-01/2024-01-10", "cdsc-wg3-01", "2024-01-10")]
    blobs = {("cdsc-wg1-03/2024-01-10", "wg3/specifications/cdsc-wg1-03.md"): "a", ("cdsc-wg3-01/2024-01-10", "wg3/specifications/cdsc-wg3-01.md"): "b"}
    versions, problems = resolve_versions(tags, [renamed], blobs)
    assert [v.tag for v in versions["cdsc-wg3-01"]] == ["cdsc-wg1-03/2024-01-10"]
    assert len(problems) == 1 and "already has the version 2024-01-10" in problems[0].message


def test_relative_links_become_the_urls_they_named() -> None:
    text = "[a](../cdsc-wg1-02/index.md#scopes) [b](overview.md) [c](#here) [d](https://x.org/) ![e](img/x.png)\n\n[r]: ../../use-cases.md\n"
    out = absolute_links(text, "specs/cdsc-wg1-01/index.md", SITE)
    assert f"[a]({SITE}specs/cdsc-wg1-02/#scopes)" in out and f"[b]({SITE}specs/cdsc-wg1-01/overview)" in out
    assert "[c](#here)" in out and "[d](https://x.org/)" in out and f"![e]({SITE}specs/cdsc-wg1-01/img/x.png)" in out
    assert f"[r]: {SITE}use-cases" in out


def test_a_legacy_source_body_starts_at_its_first_section() -> None:
    assert split_source("# Title\n\n**Status:** Draft\n\n## 1. Intro\ntext\n") == ("", "## 1. Intro\ntext\n")
    assert split_source("---\nid: X\n---\n## 1. Intro\n") == ("---\nid: X\n---\n", "## 1. Intro\n")


PUBLISHER = Publisher(SITE, "Carbon Data Specification Consortium", "Community Specification License 1.0", "https://github.com/o/r/issues")


def test_the_latest_page_names_its_version_and_the_one_before() -> None:
    versions = [Version("cdsc-wg1-01", d, f"cdsc-wg1-01/{d}", d, "x") for d in ("2024-01-10", "2024-06-27")]
    latest = header_html(META, PUBLISHER, None, versions, "2026-11-29")
    assert f'<dt>Latest published version</dt>\n<dd><a href="{SITE}specs/cdsc-wg1-01/2024-06-27/">' in latest
    assert f'<dt>Previous version</dt>\n<dd><a href="{SITE}specs/cdsc-wg1-01/2024-01-10/">2024-01-10</a>' in latest and "Next version" not in latest
    assert "Editor's draft, last updated 2026-11-29" in latest
    draft = header_html(SpecMeta(**{**META.__dict__, "date": "2025-01-01"}), PUBLISHER, None, versions)
    assert "not yet published" not in draft and "Its text is newer than the latest dated version." in draft
    assert "No dated version is published yet." in header_html(META, PUBLISHER, None, [])
    assert f"{SITE}specs/cdsc-wg1-01/2024-06-27/" in draft  # the latest published version still named


def test_header_fields_are_escaped_and_feedback_is_a_link() -> None:
    hostile = SpecMeta(**{**META.__dict__, "title": "A & B", "working_group": 'WG "1"', "editors": (Editor("Ann <b>", "X & Y"),),
                          "abstract": "<script>alert(1)</script>\n\nSecond {para}", "issues": "https://example.org/i?a=1&b=2"})
    out = header_html(hostile, PUBLISHER, None, []) + front_sections(hostile, PUBLISHER, None) + version_selector(hostile, SITE, None, [])
    assert "<script>" not in out and "<b>" not in out and "Ann &lt;b&gt; (X &amp; Y)" in out
    assert '<a href="https://example.org/i?a=1&amp;b=2">' in out and out.count('class="specsites-abstract"') == 2
    bib = citation_bibtex(hostile, PUBLISHER, None, True)
    assert "{para}" not in bib and "url = {https://connectivity.carbondataspec.org/specs/cdsc-wg1-01/}" in bib


def test_sections_match_by_id_and_ignore_headings_in_code() -> None:
    before = "## A {#a}\none\n\n```\n## not a heading\n```\n## B {#b}\ngone\n"
    after = "## A, renamed {#a}\none, two\n\n```\n## not a heading\n```\n## C\nnew\n"
    assert [s.id for s in sections(before)] == ["a", "b"]
    changes = compare(before, after)
    assert [s.id for s in changes.added] == ["c"] and [s.id for s in changes.removed] == ["b"]
    assert [(b.title, a.title) for b, a in changes.changed] == [("A", "A, renamed")]


RENDER = section_renderer(["tables", "attr_list", "md_in_html", "admonition", "pymdownx.superfences"], {})


def test_a_renamed_section_is_recognised_by_its_words() -> None:
    words = "A client fetches the metadata document over HTTPS and caches it for the time the server allows.\n"
    before = f"## 3. Fetching {{#fetching}}\n{words}\n## 4. Old {{#old}}\ngone\n"
    after = f"## 3. Retrieval {{#retrieval}}\n{words.replace('HTTPS', 'HTTPS only')}\n## 5. New {{#new}}\nsomething else entirely\n"
    changes = compare(before, after)
    assert [(b.id, a.id) for b, a in changes.changed] == [("fetching", "retrieval")]
    assert [s.id for s in changes.added] == ["new"] and [s.id for s in changes.removed] == ["old"]
    page = changes_markdown("X", "2024-01-01", "2024-02-01", changes, {"before": "https://s/v1/", "after": "https://s/v2/"}, RENDER)
    assert "Renamed from “3. Fetching” (its id was #fetching, now #retrieval)." in page
    assert "HTTPS <ins>only</ins> and caches" in page


def test_the_rendered_diff_marks_words_inside_the_rendered_text() -> None:
    before, after = RENDER("- one\n- two `code`\n- three\n"), RENDER("- one\n- two `other`\n- four\n- five\n")
    out = rendered_diff(before, after)
    assert "<li>two <code><del>code</del><ins>other</ins></code></li>" in out
    assert "<ins>five</ins>" in out and "<del>three</del>" in out and out.count("<ul>") == 1


def test_diff_text_is_escaped() -> None:
    changes = compare("## A {#a}\nx &lt;script&gt;alert(1)&lt;/script&gt;\n", "## A {#a}\ny &lt;script&gt;alert(2)&lt;/script&gt;\n")
    page = changes_markdown("<T>", "d1", "d2", changes, {"before": "https://s/\"1", "after": "https://s/2"}, RENDER)
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;T&gt;" in page and 'href="https://s/&quot;1' in page

"""Issue 8: property-based fuzzing of the redirects.yml loader and planner.

Bounded in the normal run; for a long run by hand:
    SPECSITES_FUZZ_EXAMPLES=20000 scripts/test tests/test_fuzz.py
"""
from __future__ import annotations

import os
import posixpath

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from specsites.errors import SpecSitesError
from specsites.redirects.map import parse_redirects
from specsites.redirects.plan import plan_redirects
from test_redirect_plan import LINKER, PAGES, SITES, _Tags
from specsites.redirects.data import RedirectData, read_redirect_data
from specsites.redirects.page import render_redirect_page

pytestmark = pytest.mark.slow  # property-based fuzzing

EXAMPLES = int(os.environ.get("SPECSITES_FUZZ_EXAMPLES", "300"))

pieces = st.sampled_from([
    "/", "/a", "/specs/", "/specs/x/", "/specs/x/overview", "/guide", "/guide.html", "/old/", "/old/*", "/specs/*",
    "..", "/../", "\\", "#", "#sec", "*", "%2e%2e", "<", ">", '"', "'", "</script>", "&", "\n", "\x00", "\u2028",
    "https://", "http://e.example/", "javascript:", "a:", "b:", "c:", "C:\\", "~", "//", "?q=1", " ", "é", "{", "$",
])
fragments = st.lists(pieces, min_size=1, max_size=5).map("".join) | st.text(max_size=20)
# Mostly plausible entries, so that plans are made and their pages rendered.
sources = st.from_regex(r"/[a-z]{1,6}(/[a-z]{1,6})?(\.html|/|/\*)?(#[a-z]{1,5})?", fullmatch=True)
targets = st.sampled_from(["/guide", "/specs/x/", "/specs/x/overview", "b:/notes", "b:/specs/*", "/specs/*", "/specs/x/#s"]) | (
    st.sampled_from(["https://e.example/", "http://e.example/x?"]).flatmap(lambda base: st.text(max_size=12).map(lambda t: base + t))
)
entries = st.dictionaries(sources | fragments, targets | fragments | st.integers() | st.none(), max_size=6)
documents = st.dictionaries(st.sampled_from(["a", "a", "a", "b", "zz", "0"]), entries | st.none() | st.lists(fragments, max_size=2), max_size=3)
raw = documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode()) | st.binary(max_size=200)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw)
def test_loader_and_planner_never_crash_nor_escape_nor_inject(data: bytes) -> None:
    try:
        rules, _ = parse_redirects(data, SITES)
        plan = plan_redirects(rules, PAGES)
    except SpecSitesError:
        return
    for site, redirects in plan.redirects.items():
        for redirect in redirects:
            for file in redirect.files:
                assert not file.startswith("/") and posixpath.normpath(file) == file and not file.startswith("..")
                assert "\\" not in file and not any(ord(ch) < 32 for ch in file)
                if redirect.to is None or site != "a":
                    continue
                page = render_redirect_page(redirect, LINKER)
                tags = _Tags(page)
                assert [t for t, _ in tags.tags].count("script") == 2  # the data block and the script
                # What the browser reads (Python's HTML parser, then JSON) and what the check
                # reads (read_redirect_data) are what the writer meant.
                anchors = {a: LINKER.target(d) for a, d in redirect.anchors.items()}
                assert tags.data == {"to": LINKER.target(redirect.to), "anchors": anchors}
                assert read_redirect_data(page) == RedirectData(LINKER.target(redirect.to), anchors)
                assert [a["href"] for t, a in tags.tags if t == "a"] == [LINKER.target(redirect.to)]
                assert [a["href"] for t, a in tags.tags if t == "link"] == [LINKER.absolute(redirect.to)]

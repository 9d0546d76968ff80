"""What the pages point at exists: links to other pages and their headings, and the project paths they name."""

from __future__ import annotations

import re

import pytest

from tests.docs.markdown import DOCS, ROOT, RUN_PAGES, anchors, links

TOP_LEVEL = ("backend/", "session_worker/", "shared/", "simulator/", "deploy/", "scripts/", "tests/", "docs/")
# A path in backticks that starts with a top-level folder; "<...>" parts are placeholders (checked up to them).
PATH_RE = re.compile(r"`((?:" + "|".join(TOP_LEVEL) + r")[\w./<>-]*)`")


@pytest.mark.parametrize("page", RUN_PAGES)
def test_every_link_leads_to_a_page_and_heading_that_exist(page):
    broken = []
    for target in links(page):
        if target.startswith(("http://", "https://")):
            continue
        path, _, fragment = target.partition("#")
        linked = DOCS / path if path else DOCS / page
        if not linked.exists():
            broken.append(target)
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked.name):
            broken.append(target)
    assert not broken, f"{page}: broken links {broken}"


@pytest.mark.parametrize("page", RUN_PAGES)
def test_every_project_path_named_exists(page):
    text = (DOCS / page).read_text()
    named = {m.group(1) for m in re.finditer(PATH_RE, text)}
    missing = []
    for path in sorted(named):
        candidate = path.split("<", 1)[0].rstrip("/")
        if not (ROOT / candidate).exists():
            missing.append(path)
    assert named
    assert not missing, f"{page}: paths that do not exist: {missing}"

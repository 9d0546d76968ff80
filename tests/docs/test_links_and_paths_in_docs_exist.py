"""What the pages point at exists: every relative link of the README and of every page in docs/ (the file, and
the heading its anchor names), and every project path the pages name in backticks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.markdown import PAGES, ROOT, anchors, links

TOP_LEVEL = ("backend/", "session_worker/", "shared/", "simulator/", "deploy/", "scripts/", "tests/", "docs/")
# A path in backticks that starts with a top-level folder; "<...>" parts are placeholders (checked up to them).
PATH_RE = re.compile(r"`((?:" + "|".join(TOP_LEVEL) + r")[\w./<>-]*)`")
EXTERNAL = ("http://", "https://", "mailto:")


def broken_links(page: str, *, root: Path = ROOT) -> list[str]:
    """The page's relative links whose file is missing (or outside the project) or whose heading is missing."""
    broken = []
    for target in links(page, root=root):
        if target.startswith(EXTERNAL):
            continue
        path, _, fragment = target.partition("#")
        linked = ((root / page).parent / path if path else root / page).resolve()
        if not linked.is_relative_to(root) or not linked.exists():
            broken.append(target)
        elif fragment and linked.suffix == ".md" and fragment not in anchors(str(linked.relative_to(root)), root=root):
            broken.append(target)
    return broken


def test_the_readme_and_every_page_of_docs_are_checked():
    assert {"README.md", "docs/design.md", "docs/architecture.md"} <= set(PAGES)
    assert set(PAGES) == {"README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))}


@pytest.mark.parametrize("page", PAGES)
def test_every_link_leads_to_a_page_and_heading_that_exist(page):
    broken = broken_links(page)
    assert not broken, f"{page}: broken links {broken}"


@pytest.mark.parametrize("page", PAGES)
def test_every_project_path_named_exists(page):
    text = (ROOT / page).read_text()
    named = {m.group(1) for m in re.finditer(PATH_RE, text)}
    missing = [path for path in sorted(named) if not (ROOT / path.split("<", 1)[0].rstrip("/")).exists()]
    assert not missing, f"{page}: paths that do not exist: {missing}"


def test_a_missing_page_a_missing_heading_and_a_link_out_of_the_project_are_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n## A heading\n")
    (tmp_path / "docs" / "page.md").write_text(
        "# Page\n[ok](other.md#a-heading) [ok](#page) [ok](https://example.org/x)\n"
        "[missing](gone.md) [heading](other.md#no-such-heading) [out](../../etc/hostname) [self](#nowhere)\n"
        "`[not a link](in-code.md)`\n"
    )
    assert broken_links("docs/page.md", root=tmp_path) == [
        "gone.md",
        "other.md#no-such-heading",
        "../../etc/hostname",
        "#nowhere",
    ]

"""What the doc tests read in docs/: fenced blocks (with their info string and line), headings, links, paths.

A block is runnable when its info string is ``sh runnable``. Its lines ``# expect: TEXT`` say what its output
must contain. Only the four pages of issue 9 are run; the owners' pages are checked for their anchors only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
# In the order a reader follows them (and the runnable blocks run): the walkthrough comes first.
RUN_PAGES = ("architecture.md", "troubleshooting.md", "operations.md", "performance.md")

_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    info: str
    code: str

    @property
    def expects(self) -> list[str]:
        return [m.group(1).strip() for m in re.finditer(r"^# expect: (.+)$", self.code, re.M)]

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: str) -> list[Block]:
    text = (DOCS / page).read_text()
    found = []
    for match in _FENCE.finditer(text):
        indent = len(match.group("indent"))
        body = "".join(line[indent:] + "\n" for line in match.group("body").splitlines())
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(page, line, match.group("info").strip(), body))
    return found


def runnable_blocks() -> list[Block]:
    return [b for page in RUN_PAGES for b in blocks(page) if b.info == "sh runnable"]


def prose(page: str) -> str:
    """The page without its fenced blocks (headings and links inside code are not headings or links)."""
    return _FENCE.sub("", (DOCS / page).read_text())


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: str) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(prose(page)):
        slug = anchor(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def links(page: str) -> list[str]:
    return [m.group("target") for m in _LINK.finditer(prose(page))]

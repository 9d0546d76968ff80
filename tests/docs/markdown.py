"""What the doc tests read in the project's pages (README.md and docs/*.md): fenced blocks (with their info
string and line), headings, links, paths. A page is named by its path from the project's root.

A block is runnable when its info string is ``sh runnable``. Its lines ``# expect: TEXT`` say what its output
must contain. The runnable blocks of RUN_PAGES are run; every page is checked for its links and paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"
# In the order a reader follows them (and the runnable blocks run): the walkthrough comes first.
RUN_PAGES = ("docs/architecture.md", "docs/troubleshooting.md", "docs/operations.md", "docs/performance.md")
# Every page a reader is sent to: the README and all of docs/.
PAGES = ("README.md", *sorted(f"docs/{page.name}" for page in DOCS.glob("*.md")))


def BACKEND_SETTINGS() -> str:
    """The backend's settings, all its modules (backend/settings/) as one text."""
    return "".join(path.read_text() for path in sorted((ROOT / "backend" / "settings").glob("*.py")))


_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.M)
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")


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
    text = (ROOT / page).read_text()
    found = []
    for match in _FENCE.finditer(text):
        indent = len(match.group("indent"))
        body = "".join(line[indent:] + "\n" for line in match.group("body").splitlines())
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(page, line, match.group("info").strip(), body))
    return found


def runnable_blocks() -> list[Block]:
    return [b for page in RUN_PAGES for b in blocks(page) if b.info == "sh runnable"]


def prose(page: str, *, root: Path = ROOT) -> str:
    """The page without its fenced blocks (headings and links inside code are not headings or links)."""
    return _FENCE.sub("", (root / page).read_text())


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: str, *, root: Path = ROOT) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(prose(page, root=root)):
        slug = anchor(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def links(page: str, *, root: Path = ROOT) -> list[str]:
    """The targets of the page's links (``[text](target)``), outside code."""
    return [m.group("target") for m in _LINK.finditer(_CODE_SPAN.sub("", prose(page, root=root)))]

"""The members the worker checks at every boot (session_worker/whatsapp_web.py ``SURFACE``) are the table of
docs/simulator.md "What the worker checks at every boot", row for row: module, member and shape. A member added
to the worker's scripts and not to the docs (or the other way round) fails here."""

import re

from session_worker.whatsapp_web import SURFACE
from shared.payloads import SHAPES
from tests.harness.processes import ROOT

HEADING = "### What the worker checks at every boot"
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \| ([a-z ]+) \|$")


def documented_rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / "simulator.md").read_text()
    section = text.split(HEADING, 1)[1].split("\n#", 1)[0]
    return [match.groups() for line in section.splitlines() if (match := ROW.match(line.strip()))]


def test_the_docs_table_lists_the_workers_surface_row_for_row():
    rows = documented_rows()
    assert rows, f"no table under {HEADING!r} in docs/simulator.md"
    assert rows == [(member.module, member.path, member.shape) for member in SURFACE]


def test_every_shape_the_worker_expects_is_one_the_contract_knows():
    assert {member.shape for member in SURFACE} <= SHAPES

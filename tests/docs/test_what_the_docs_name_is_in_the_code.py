"""What the pages say the code has, it has: every setting a settings table documents is read by the code, every
event, reason and WebSocket message they name exists, and every AppKey of the worker is where worker.md says
(keys.py). The other direction (every setting the code reads is documented) is test_every_setting_is_documented.py."""

from __future__ import annotations

import ast
import re

from backend.live.messages import IncidentMessageType, MessageType
from shared.events import DisconnectReason, EventType
from tests.docs.markdown import DOCS, ROOT
from tests.docs.test_every_setting_is_documented import _read_by_code

SETTINGS_PAGES = ("operations.md", "backend.md", "worker.md")
_ROW = re.compile(r"^\| *(?P<first>[^|]*)\|", re.M)


def _settings_tables(text: str) -> list[str]:
    """The first cells of every table whose header's first column is "variable"."""
    cells, in_table = [], False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        first = line.split("|")[1].strip()
        if first == "variable":
            in_table = True
        elif in_table and not first.startswith("---"):
            cells.append(first)
    return cells


def _documented_settings() -> dict[str, str]:
    names = {}
    for page in SETTINGS_PAGES:
        for cell in _settings_tables((DOCS / page).read_text()):
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell):
                names[name] = page
    return names


def test_every_documented_setting_is_read_by_the_code():
    documented = _documented_settings()
    assert len(documented) > 40
    read = _read_by_code()
    assert {name: page for name, page in documented.items() if name not in read} == {}


def test_every_event_the_pages_show_is_an_event_type():
    contracts = (DOCS / "contracts.md").read_text()
    architecture = (DOCS / "architecture.md").read_text()
    named = set(re.findall(r"^- `([a-z_]+)`", contracts.split("Events the worker sends", 1)[1], re.M))
    named |= set(re.findall(r"^`([a-z_]+)` \(", architecture, re.M))
    assert len(named) >= 6
    assert named - {t.value for t in EventType} == set()


def test_every_disconnect_and_error_reason_the_contract_lists_exists():
    contracts = (DOCS / "contracts.md").read_text()
    disconnects = re.search(r"`session_disconnected` reasons: (.+?)\n- ", contracts, re.S).group(1)
    assert set(re.findall(r"`([A-Z_]+)`", disconnects)) - {r.value for r in DisconnectReason} == set()
    errors = re.search(r"`session_error` reasons: (.+?)\n- ", contracts, re.S).group(1)
    worker_code = "".join(p.read_text() for p in (ROOT / "session_worker").rglob("*.py"))
    assert {r for r in re.findall(r"`([A-Z_]+)`", errors) if f'"{r}"' not in worker_code} == set()


def test_every_websocket_message_the_pages_name_is_a_message_type():
    backend = (DOCS / "backend.md").read_text()
    section = backend.split("## WebSocket", 1)[1].split("\n## ", 1)[0]
    architecture = (DOCS / "architecture.md").read_text()
    border = re.search(r"WebSocket messages on `/ws/workspaces/<id>/` \((.+?)\)", architecture).group(1)
    named = set(re.findall(r"`([a-z]+_[a-z_]+)`", border))
    named |= set(re.findall(r'"type": "([a-z_]+)"', section)) - {"hello", "pong", "ping"}
    assert len(named) >= 6
    assert named - {t.value for t in MessageType} - {t.value for t in IncidentMessageType} == set()


def test_every_appkey_of_the_worker_is_in_keys_py():
    """docs/worker.md: the app's shared state lives under typed AppKeys of keys.py."""
    assert "`web.AppKey` of `keys.py`" in (DOCS / "worker.md").read_text()
    elsewhere = []
    for path in (ROOT / "session_worker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("web.AppKey", "AppKey"):
                if path.name != "keys.py":
                    elsewhere.append(f"{path.name}: {ast.unparse(node)}")
    assert elsewhere == []

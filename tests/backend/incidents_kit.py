"""Helpers of the tests of WhatsApp Web's builds and incidents (backend/incidents/)."""

from __future__ import annotations

from backend.accounts.models import Workspace

CHANGES = [
    {"module": "WAWebCmd", "member": "", "expected": "object", "found": "missing module"},
    {"module": "WAWebSocketModel", "member": "Socket.state", "expected": "value", "found": "missing"},
]


def changed_data(build: str = "2.3000.1020000000", changes: list | None = None) -> dict:
    return {"build": build, "changes": list(reversed(changes or CHANGES))}


def workspaces(count: int) -> list[Workspace]:
    return [Workspace.objects.create(name=f"Workspace {n}") for n in range(count)]

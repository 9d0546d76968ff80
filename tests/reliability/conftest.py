"""A live stack per module (tests/reliability/stack.py); its logs are copied to
artifacts/reliability/stack-logs/<module>/ when the module ends, so that a failure can be read afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.livestack import ROOT
from tests.reliability.stack import ReliabilityStack, WsgiStack

ARTIFACTS = ROOT / "artifacts" / "reliability"


def keep_logs(stack: ReliabilityStack, module: str) -> None:
    logs = ARTIFACTS / "stack-logs" / module
    logs.mkdir(parents=True, exist_ok=True)
    for log in stack.folder.glob("*.log"):
        shutil.copy(log, logs / log.name)


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[ReliabilityStack]:
    options = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in getattr(request.module, "STACK_OPTIONS", {}).items()
    }
    live = ReliabilityStack(tmp_path_factory.mktemp("reliability-stack"), **options)
    try:
        with live:
            yield live
    finally:
        keep_logs(live, request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="package")  # torn down when the package ends, not with the whole suite
def shared_stack(tmp_path_factory) -> Iterator[ReliabilityStack]:
    """One stack for the tests that leave it as they found it (races, bad input): each works in workspaces
    of its own."""
    live = ReliabilityStack(tmp_path_factory.mktemp("reliability-shared-stack"))
    try:
        with live:
            yield live
    finally:
        keep_logs(live, "shared")


@pytest.fixture(scope="package")  # torn down when the package ends, not with the whole suite
def race_stack(tmp_path_factory) -> Iterator[WsgiStack]:
    """One production-like stack (gunicorn with several processes) for the race tests."""
    live = WsgiStack(tmp_path_factory.mktemp("reliability-race-stack"))
    try:
        with live:
            yield live
    finally:
        keep_logs(live, "races")

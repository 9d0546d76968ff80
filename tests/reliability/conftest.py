"""A live stack per module (tests/reliability/stack.py); its logs are copied to
artifacts/reliability/stack-logs/<module>/ when the module ends, so that a failure can be read afterwards."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import TypeVar

import pytest

from tests.harness.livestack import ROOT
from tests.reliability.stack import ReliabilityStack, WsgiStack

ARTIFACTS = ROOT / "artifacts" / "reliability"
Stack = TypeVar("Stack", bound=ReliabilityStack)


def keep_logs(stack: ReliabilityStack, module: str) -> None:
    logs = ARTIFACTS / "stack-logs" / module
    logs.mkdir(parents=True, exist_ok=True)
    for log in stack.folder.glob("*.log"):
        shutil.copy(log, logs / log.name)


@contextlib.contextmanager
def running(live: Stack, logs: str) -> Iterator[Stack]:
    """``live`` started, and stopped on exit with its logs kept under artifacts/reliability/stack-logs/<logs>/."""
    try:
        with live:
            yield live
    finally:
        keep_logs(live, logs)


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[ReliabilityStack]:
    options = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in getattr(request.module, "STACK_OPTIONS", {}).items()
    }
    live = ReliabilityStack(tmp_path_factory.mktemp("reliability-stack"), **options)
    with running(live, request.module.__name__.rsplit(".", 1)[-1]) as started:
        yield started


@pytest.fixture(scope="package")  # torn down when the package ends, not with the whole suite
def shared_stack(tmp_path_factory) -> Iterator[ReliabilityStack]:
    """One stack for the tests that leave it as they found it (races, bad input): each works in workspaces
    of its own."""
    with running(ReliabilityStack(tmp_path_factory.mktemp("reliability-shared-stack")), "shared") as live:
        yield live


@pytest.fixture(scope="package")  # torn down when the package ends, not with the whole suite
def race_stack(tmp_path_factory) -> Iterator[WsgiStack]:
    """One production-like stack (gunicorn with several processes) for the race tests."""
    with running(WsgiStack(tmp_path_factory.mktemp("reliability-race-stack")), "races") as live:
        yield live

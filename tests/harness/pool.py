"""Live stacks that test modules share: one per kind of settings, started when the first module that uses it asks
for it, and stopped as soon as the last module that uses it (in the run's order) is done, its processes' logs then
copied under artifacts/. tests/conftest.py takes the pool's fixture and hooks from here.

A kind is a module-scoped fixture made by ``shared_stack_fixture`` in a conftest::

    fleet_stack = shared_stack_fixture(Kind("fleet_stack", lambda folder: ReliabilityStack(folder, workers=3),
                                            logs="reliability/stack-logs/fleet"))

A module that uses one works in workspaces of its own and leaves the stack as it found it: its processes
running (a test that stops or kills one starts it again), no worker left draining or cut off. A stack found
with a process down (a test failed before it could start it again) is replaced by a fresh one. Each module's
start is noted in the processes' logs (``--- <time> module <name>``), to find its part when one fails.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.livestack import LiveStack
from tests.harness.processes import ROOT

log = logging.getLogger(__name__)
ARTIFACTS = ROOT / "artifacts"


@dataclass(frozen=True)
class Kind:
    fixture: str  # the fixture's name, which the tests ask for
    make: Callable[[Path], LiveStack]  # the stack (not started) in a folder of its own
    logs: str  # its logs go to artifacts/<logs>/ when it stops


KINDS: dict[str, Kind] = {}  # by fixture name: every kind the conftests declared
_last_module: dict[str, str] = {}  # kind -> the last module (in the run's order) that uses it


class Pool:
    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.running: dict[str, LiveStack] = {}

    def get(self, kind: Kind) -> LiveStack:
        stack = self.running.get(kind.fixture)
        if stack is not None and all(process.running for process in stack.processes.values()):
            return stack
        if stack is not None:
            down = [name for name, process in stack.processes.items() if not process.running]
            log.warning("%s: %s found down, the stack is started afresh", kind.fixture, ", ".join(down))
            self.stop(kind.fixture)
        stack = kind.make(self.tmp_path_factory.mktemp(kind.fixture))
        try:
            stack.start()
        except BaseException:
            with contextlib.suppress(Exception):
                stack.stop()
            keep_logs(stack, kind.logs)
            raise
        self.running[kind.fixture] = stack
        return stack

    def stop(self, fixture: str) -> None:
        stack = self.running.pop(fixture, None)
        if stack is not None:
            try:
                stack.stop()
            finally:
                keep_logs(stack, KINDS[fixture].logs)

    def stop_all(self) -> None:
        for fixture in list(self.running):
            self.stop(fixture)


def keep_logs(stack: LiveStack, logs: str) -> None:
    target = ARTIFACTS / logs
    target.mkdir(parents=True, exist_ok=True)
    for path in stack.folder.glob("*.log"):
        shutil.copy(path, target / path.name)


_pool: Pool | None = None


@pytest.fixture(scope="session")
def stack_pool(tmp_path_factory) -> Iterator[Pool]:
    global _pool
    _pool = Pool(tmp_path_factory)
    try:
        yield _pool
    finally:
        pool, _pool = _pool, None
        pool.stop_all()


def shared_stack_fixture(kind: Kind):
    """The module-scoped fixture of ``kind``, for a conftest to bind to ``kind.fixture``'s name."""
    KINDS[kind.fixture] = kind

    @pytest.fixture(scope="module", name=kind.fixture)
    def shared_stack(request, stack_pool: Pool) -> LiveStack:
        stack = stack_pool.get(kind)
        stack.note(f"module {request.module.__name__}")
        return stack

    return shared_stack


def kinds_of(item: pytest.Item) -> list[str]:
    """The shared stacks ``item`` uses (directly or through its fixtures)."""
    return [name for name in KINDS if name in getattr(item, "fixturenames", ())]


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_finish(session: pytest.Session) -> None:
    _last_module.clear()
    for item in session.items:
        for name in kinds_of(item):
            _last_module[name] = module_of(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Once a module is done (its own fixtures torn down), stop the stacks no later module uses. (Were one used
    again after all, as a parallel run may order modules, it would be started again.)"""
    result = yield
    if _pool is not None and (nextitem is None or module_of(nextitem) != module_of(item)):
        for name, last in _last_module.items():
            if last == module_of(item):
                _pool.stop(name)
    return result

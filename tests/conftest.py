"""What every suite shares: the people of the permission tests, and the live stack that modules share.

``live_stack`` is one live stack for every module that only needs "a stack" and leaves it as it found it (the
settings page in Chromium, the docs' commands, bad input, connect flows), each working in workspaces of its own:
tests/reliability/stack.py's (instant simulator with the real site's QR lifetimes, webhook retries capped at
2 s), started once and stopped after its last module (tests/harness/pool.py). Suites declare their other kinds
of shared stacks (several workers, other settings) in their conftests.

How a parallel run (`make test TEST_PROCESSES=2`: pytest-xdist, ``-n 2 --dist loadgroup``) spreads the suite:
tests go out by group, a group running whole in one process, one group after another. A test's group is, in
order: the one its module names (``pytestmark = pytest.mark.xdist_group("...")``: the modules that must not
overlap with each other share one, and run one after the other); the shared stack it uses (so that each is
started once, in one process); else its module (whose module-scoped stack, browser or simulator is then
started once). Each process has its own test database (pytest-django suffixes DATABASE_TEST_NAME with the
process's name), its own Redis key prefix (tests/settings.py) and ephemeral ports; live stacks make their own
database and key prefix anyway.
"""

from __future__ import annotations

import pytest

# The pool of shared stacks: its fixture, and its hooks that stop each stack after its last module.
from tests.harness.pool import (  # noqa: F401 (pytest finds them here)
    Kind,
    kinds_of,
    module_of,
    pytest_collection_finish,
    pytest_runtest_teardown,
    shared_stack_fixture,
    stack_pool,
)
from tests.reliability.stack import ReliabilityStack

# The owner, member and outsider of the permission tests, and their workspaces (made only where a test asks); a
# 500 logged by a live stack fails the test it happened in.
pytest_plugins = ["tests.harness.members", "tests.harness.server_errors"]

live_stack = shared_stack_fixture(Kind("live_stack", ReliabilityStack, logs="stack-logs/live"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules that share a kind of stack run one after the other, where the first of them stood in the run
    (so that a shared stack is not left running idle, beside the stacks of other modules, until a last module
    far down the run); each test gets its xdist group."""
    kind_of_module: dict[str, str] = {}
    for item in items:
        for kind in kinds_of(item):
            kind_of_module.setdefault(module_of(item), kind)

    def group(item: pytest.Item) -> str:
        return kind_of_module.get(module_of(item), module_of(item))

    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(group(item), index)
    items[:] = [item for _, item in sorted(enumerate(items), key=lambda pair: (first[group(pair[1])], pair[0]))]
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group(item)))


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Values made afresh at each collection (keys, gzip streams stamped with the time) get a fixed id
    (``whpk_…``, ``bytes``), so that every process of a parallel run collects the same tests."""
    if isinstance(val, str) and val[:5] in ("whsk_", "whpk_") and len(val) > 40:
        return val[:5] + "…"
    if isinstance(val, bytes):
        return "bytes"
    return None

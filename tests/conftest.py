"""How a parallel run (`make test TEST_PROCESSES=2`: pytest-xdist, ``-n 2 --dist loadgroup``) spreads the suite.

Tests go out by group, a group running whole in one process, one group after another. A test's group is,
in order: the one its module names (``pytestmark = pytest.mark.xdist_group("...")``: the modules that must
not overlap with each other share one, and run one after the other); the package-scoped live stack it uses
(so that each stack is started once, in one process); else its module (whose module-scoped live stack,
browser or simulator is then started once). Each process has its own test database
(pytest-django suffixes DATABASE_TEST_NAME with the process's name), its own Redis key prefix
(tests/settings.py) and ephemeral ports; live stacks make their own database and key prefix anyway.
"""

from __future__ import annotations

import pytest

# The owner, member and outsider of the permission tests, and their workspaces (made only where a test asks).
pytest_plugins = ["tests.harness.members"]

# Package-scoped stacks (tests/reliability/conftest.py) and the group of the tests that use them.
PACKAGE_STACKS = {"shared_stack": "reliability-shared-stack", "race_stack": "reliability-race-stack"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        stacks = [group for name, group in PACKAGE_STACKS.items() if name in getattr(item, "fixturenames", ())]
        group = stacks[0] if stacks else item.module.__name__ if item.module else item.nodeid
        item.add_marker(pytest.mark.xdist_group(group))

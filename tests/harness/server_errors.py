"""A 500 on a live stack fails the test it happened in. Every live stack started in the run is watched
(``LiveStack.start`` lists it in ``STARTED``); after each test's teardown (its module's stacks stopped, if it was
the last to use them) the lines that the stacks' backend and Celery logged since the last look are searched for
``Internal Server Error``, what Django logs for every answer of 500 (its traceback follows). Any found fail the
test, at its teardown, with the lines and the log they are in.

A test that provokes 500s on purpose (the database stopped under the backend) says so, and its lines are passed
over: ``pytest.mark.server_errors_expected("why")``. tests/conftest.py loads this plugin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.livestack import STARTED

SERVER_ERROR = "Internal Server Error"
WATCHED = ("backend", "celery")  # the processes that answer or call on the stack's behalf with Django
MARKER = "server_errors_expected"

_read: dict[Path, int] = {}  # how far each log has been read (whole lines only)


def new_lines(path: Path) -> str:
    """What ``path`` got since the last look, up to its last whole line."""
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(_read.get(path, 0))
        data = log.read()
    whole = data[: data.rfind(b"\n") + 1]
    _read[path] = _read.get(path, 0) + len(whole)
    return whole.decode(errors="replace")


def server_errors() -> list[str]:
    """The ``Internal Server Error`` lines the watched stacks logged since the last call, each with its log.
    A stack found stopped is read one last time, then no longer watched."""
    found = []
    for stack in list(STARTED):
        for name in WATCHED:
            process = stack.processes.get(name)
            if process is not None:
                text = new_lines(process.log_path)
                found += [f"{process.log_path}: {line}" for line in text.splitlines() if SERVER_ERROR in line]
        if not any(process.running for process in stack.processes.values()):
            STARTED.remove(stack)
    return found


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(why): the test provokes 500s on a live stack on purpose")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    try:
        result = yield
    finally:
        errors = server_errors()  # read even when the teardown failed, so that no later test is blamed for them
    if errors and item.get_closest_marker(MARKER) is None:
        shown = "\n".join(errors[:20]) + (f"\n... and {len(errors) - 20} more" if len(errors) > 20 else "")
        message = f"the live stack answered 500 ({len(errors)} times; the tracebacks are in the logs):\n{shown}"
        pytest.fail(message, pytrace=False)
    return result

"""First connections in one workspace at once, through a production-like live stack (gunicorn with several
processes, Celery, the worker, Chromium, the simulator, webhooks): all end `connected` with their own numbers,
exactly one is primary (the first to connect), every event is applied once, and nothing raises (no
IntegrityError, no 5xx). Six at once here; `make bench` runs twenty (tests/bench/scale.py)."""

from __future__ import annotations

import pytest

from tests.reliability.scenarios import first_connections_at_once

pytestmark = pytest.mark.slow

COUNT = 6


def test_first_connections_at_once_leave_one_primary(wsgi_stack):
    seen = first_connections_at_once(wsgi_stack, count=COUNT)

    assert seen["numbers"]  # each account connected with its own phone's number
    assert seen["listed"] == COUNT
    assert seen["primaries"] == 1
    assert seen["primary_connected_first"]
    assert seen["duplicate_events"] == []
    assert seen["never_ready"] == []
    assert seen["backend_errors"] == []  # no IntegrityError, no 5xx, not even one retried
    wsgi_stack.forget(seen["accounts"], token=seen["token"])

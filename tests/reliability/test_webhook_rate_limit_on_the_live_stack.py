"""The webhook's two limits on the live backend (daphne, PostgreSQL, Redis), with windows of an hour so that the
test never races a clock (a window starts at its first request): a registered worker's authenticated events are
accepted up to WEBHOOK_WORKER_RATE and the next one is 429 with Retry-After while another worker's still pass; unsigned
requests are refused with 401 up to WEBHOOK_UNVERIFIED_RATE, then 429, while signed events from the same address
still pass. Refused requests leave nothing; nothing goes wrong in the backend's log. The backend runs alone, so
that no real worker's events count."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared.events import make_event
from tests.harness.identities import event_headers
from tests.reliability.conftest import WEBHOOK_UNVERIFIED_LIMIT, WEBHOOK_WORKER_LIMIT

pytestmark = pytest.mark.slow

WORKER_LIMIT, UNVERIFIED_LIMIT, THREADS = WEBHOOK_WORKER_LIMIT, WEBHOOK_UNVERIFIED_LIMIT, 8


@pytest.fixture(scope="module")
def backend(backend_stack):
    """The backend alone, with both webhook limits over an hour (tests/reliability/conftest.py)."""
    return backend_stack


@pytest.fixture(scope="module")
def keys(backend) -> dict[str, str]:
    """Three registered workers that are no process of the stack (capacity 0: no session is placed on them)."""
    names = ("worker-busy", "worker-calm", "worker-same-host")
    return {name: backend.register_identity(name).private for name in names}


@pytest.fixture(scope="module")
def log_start(backend) -> int:
    """Where this module's part of the backend's log starts."""
    return backend.log_mark("backend")


def backend_errors(backend, log_start: int) -> list[str]:
    return backend.error_lines_in(backend.processes["backend"].log()[log_start:])


def signed_heartbeat(keys: dict[str, str], n: int, worker_id: str) -> tuple[bytes, dict[str, str]]:
    """A heartbeat of ``worker_id`` (stored in the inbox when accepted: the count shows what got in)."""
    event = make_event(
        type="worker_heartbeat", session_id="", workspace_id="", worker_id=worker_id, sequence=n,
        data={"base_url": "http://127.0.0.1:1", "capacity": 0, "sessions": {}},
    )  # fmt: skip
    body = event.to_json()
    return body, event_headers(worker_id, keys[worker_id], body, msg_id=event.id)


def post_signed(backend, keys: dict[str, str], n: int, worker_id: str) -> requests.Response:
    body, headers = signed_heartbeat(keys, n, worker_id)
    return requests.post(f"{backend.backend_url}/api/v1/whatsapp/webhook", data=body, headers=headers, timeout=30)


def test_a_worker_over_its_rate_gets_429_and_another_worker_does_not(backend, keys, log_start):
    url = f"{backend.backend_url}/api/v1/whatsapp/webhook"
    local = threading.local()

    def post(n: int) -> int:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        body, headers = signed_heartbeat(keys, n, "worker-busy")
        return local.http.post(url, data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(post, range(WORKER_LIMIT)))
    over = post_signed(backend, keys, WORKER_LIMIT, "worker-busy")

    assert statuses == [200] * WORKER_LIMIT
    assert over.status_code == 429
    assert 3000 <= int(over.headers["Retry-After"]) <= 3600
    assert post_signed(backend, keys, 0, "worker-calm").status_code == 200
    assert backend.sql("SELECT count(*) FROM inbox_webhookevent WHERE worker_id = 'worker-busy'") == [(WORKER_LIMIT,)]
    assert backend_errors(backend, log_start) == []


def test_unsigned_requests_get_429_over_their_rate_and_signed_ones_still_pass(backend, keys, log_start):
    url = f"{backend.backend_url}/api/v1/whatsapp/webhook"
    unsigned = [requests.post(url, data=b"{}", timeout=30).status_code for _ in range(UNVERIFIED_LIMIT + 2)]
    assert unsigned == [401] * UNVERIFIED_LIMIT + [429, 429]
    assert post_signed(backend, keys, 1, "worker-same-host").status_code == 200
    assert backend_errors(backend, log_start) == []

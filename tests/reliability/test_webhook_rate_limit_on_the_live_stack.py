"""The webhook's two limits on the live backend (daphne, PostgreSQL, Redis), with windows of an hour so that the
test never races a clock (a window starts at its first request): a worker's verified events are accepted up to
WEBHOOK_WORKER_RATE and the next one is 429 with Retry-After while another worker's still pass; unsigned
requests are refused with 401 up to WEBHOOK_UNVERIFIED_RATE, then 429, while signed events from the same address
still pass. Refused requests leave nothing; nothing goes wrong in the backend's log. The backend runs alone, so
that no real worker's events count."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared.events import make_event
from shared.signing import sign
from tests.reliability.conftest import WEBHOOK_UNVERIFIED_LIMIT, WEBHOOK_WORKER_LIMIT

pytestmark = pytest.mark.slow

WORKER_LIMIT, UNVERIFIED_LIMIT, THREADS = WEBHOOK_WORKER_LIMIT, WEBHOOK_UNVERIFIED_LIMIT, 8


@pytest.fixture(scope="module")
def backend(backend_stack):
    """The backend alone, with both webhook limits over an hour (tests/reliability/conftest.py)."""
    return backend_stack


@pytest.fixture(scope="module")
def log_start(backend) -> int:
    """Where this module's part of the backend's log starts."""
    return backend.log_mark("backend")


def backend_errors(backend, log_start: int) -> list[str]:
    return backend.error_lines_in(backend.processes["backend"].log()[log_start:])


def signed_event(backend, n: int, worker_id: str) -> tuple[bytes, dict[str, str]]:
    event = make_event(
        type="session_authenticated", session_id=f"wa_rate_{worker_id}_{n}", workspace_id="1", worker_id=worker_id,
        sequence=1, data={},
    )  # fmt: skip
    body = event.to_json()
    return body, {"Content-Type": "application/json", **sign(backend.secret, event.id, int(time.time()), body)}


def post_signed(backend, n: int, worker_id: str) -> requests.Response:
    body, headers = signed_event(backend, n, worker_id)
    return requests.post(f"{backend.backend_url}/api/v1/whatsapp/webhook", data=body, headers=headers, timeout=30)


def test_a_worker_over_its_rate_gets_429_and_another_worker_does_not(backend, log_start):
    url = f"{backend.backend_url}/api/v1/whatsapp/webhook"
    local = threading.local()

    def post(n: int) -> int:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        body, headers = signed_event(backend, n, "worker-busy")
        return local.http.post(url, data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(post, range(WORKER_LIMIT)))
    over = post_signed(backend, WORKER_LIMIT, "worker-busy")

    assert statuses == [200] * WORKER_LIMIT
    assert over.status_code == 429
    assert 3000 <= int(over.headers["Retry-After"]) <= 3600
    assert post_signed(backend, 0, "worker-calm").status_code == 200
    assert backend.sql("SELECT count(*) FROM inbox_webhookevent WHERE worker_id = 'worker-busy'") == [(WORKER_LIMIT,)]
    assert backend_errors(backend, log_start) == []


def test_unsigned_requests_get_429_over_their_rate_and_signed_ones_still_pass(backend, log_start):
    url = f"{backend.backend_url}/api/v1/whatsapp/webhook"
    unsigned = [requests.post(url, data=b"{}", timeout=30).status_code for _ in range(UNVERIFIED_LIMIT + 2)]
    assert unsigned == [401] * UNVERIFIED_LIMIT + [429, 429]
    assert post_signed(backend, 1, "worker-same-host").status_code == 200
    assert backend_errors(backend, log_start) == []

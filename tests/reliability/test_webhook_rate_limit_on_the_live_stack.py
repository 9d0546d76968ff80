"""1000 signed webhooks in a minute from one IP are all accepted by the live backend; the next one answers
429 with Retry-After; nothing else goes wrong (no error in the backend's log). The backend runs alone, so
that no worker's heartbeat counts in the window."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared.events import make_event
from shared.signing import sign
from tests.reliability.conftest import keep_logs
from tests.reliability.stack import BackendOnlyStack

pytestmark = pytest.mark.slow

LIMIT = 1000
THREADS = 8


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    live = BackendOnlyStack(tmp_path_factory.mktemp("rate-limit-stack"))
    try:
        with live:
            yield live
    finally:
        keep_logs(live, "test_webhook_rate_limit_on_the_live_stack")


def signed_event(backend, n: int) -> tuple[bytes, dict[str, str]]:
    event = make_event(
        type="session_authenticated", session_id=f"wa_rate_{n}", workspace_id="1", worker_id="worker-1",
        sequence=1, data={},
    )  # fmt: skip
    body = event.to_json()
    return body, {"Content-Type": "application/json", **sign(backend.secret, event.id, int(time.time()), body)}


def test_1000_a_minute_are_accepted_and_the_next_is_429(backend):
    url = f"{backend.backend_url}/api/v1/whatsapp/webhook"
    if time.time() % 60 > 30:  # the counter's window is the clock's minute: start early in one
        time.sleep(60 - time.time() % 60 + 0.1)
    window = int(time.time() // 60)
    local = threading.local()

    def post(n: int) -> int:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        body, headers = signed_event(backend, n)
        return local.http.post(url, data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(post, range(LIMIT)))
    body, headers = signed_event(backend, LIMIT)
    over = requests.post(url, data=body, headers=headers, timeout=30)
    assert int(time.time() // 60) == window, "the 1000 requests did not fit in one minute on this machine"

    assert statuses == [200] * LIMIT
    assert over.status_code == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert backend.sql("SELECT count(*) FROM accounts_webhookevent") == [(LIMIT,)]  # the refused one left nothing
    assert backend.error_lines("backend") == []

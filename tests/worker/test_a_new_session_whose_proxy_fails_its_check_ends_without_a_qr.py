"""A new session (no kept auth) whose proxy fails its check ends before any page opens: ``session_disconnected``
PROXY_AUTH_FAILED when the proxy refuses the credentials, PROXY_UNREACHABLE when it is stopped (its port closed);
no QR, the session no longer active, the failure counted by reason."""

import pytest

from tests.harness.tinyproxy import Tinyproxy
from tests.worker.conftest import session_id


@pytest.mark.parametrize(
    ("wrong_password", "stopped", "reason"),
    [(True, False, "PROXY_AUTH_FAILED"), (False, True, "PROXY_UNREACHABLE")],
    ids=["wrong credentials", "stopped proxy"],
)
async def test_the_session_ends_with_the_proxys_reason_and_no_qr(
    start_worker, receiver, sim, wrong_password, stopped, reason
):
    worker = await start_worker(warm_pages_min=1, warm_pages_max=1)
    with Tinyproxy(auth=("alice", "s3cret")) as proxy:
        if stopped:
            proxy.stop()
        sid = session_id()
        await worker.start_session(sid, proxy=proxy.wire(password="wrong-pw" if wrong_password else None))

        ended = await receiver.wait_for_type(sid, "session_disconnected", within=60)

    assert ended.data["reason"] == reason
    assert receiver.of(sid, "qr_code_generated") == []
    session = worker.manager.get(sid)
    assert not session.active and session.page is None
    assert sid not in receiver.leases  # the backend lets it go: a new QR attempt needs a working proxy
    status, metrics = await worker.call("GET", "/metrics")
    assert status == 200
    assert f'wa_worker_proxy_failures_total{{reason="{reason}"}} 1.0'.encode() in metrics

"""The backend's private listener serves https with a certificate of the operator's own CA: a worker given that CA
(BACKEND_CA_FILE) reaches it (heartbeats, events, auth states); without it (the system's CAs) it does not."""

import logging

import pytest

from tests.harness.receiver import WebhookReceiver
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id
from tests.worker.tls import make_ca


@pytest.fixture
async def receiver(tmp_path):
    ca = make_ca(tmp_path)
    async with WebhookReceiver(ssl_context=ca.server) as hook:
        hook.ca_file = ca.ca_file
        yield hook
        assert not hook.bad_signatures, hook.bad_signatures


async def test_a_worker_given_the_ca_reaches_the_backend_over_tls(start_worker, receiver, sim):
    assert receiver.url.startswith("https://")
    worker = await start_worker(warm_pages_max=0, backend_ca_file=receiver.ca_file)
    sid = session_id()

    await link(worker, sim, receiver, sid, "5511999990040")

    assert sid in receiver.auth_states  # stored over TLS too
    assert any(e.type == "worker_heartbeat" for e in receiver.events)


async def test_without_the_ca_the_backend_is_not_trusted(start_worker, receiver, caplog):
    with caplog.at_level(logging.WARNING, logger="session_worker.heartbeat"):
        await start_worker(warm_pages_max=0)
        await wait_until_async(
            lambda: any(r.getMessage() == "heartbeat not delivered" for r in caplog.records), within=30
        )

    assert receiver.events == []
    assert "certificate" in next(r.error for r in caplog.records if r.getMessage() == "heartbeat not delivered")

"""A linked session (its auth kept) whose proxy is down when it opens again (here: restored by a restarted
worker) says so once (``session_disconnected`` PROXY_UNREACHABLE, not at every retry), stays active and STARTING
(reported in heartbeats, its lease held, its auth kept), checks the proxy again with backoff, and once the proxy is
back opens its page through it: READY again, with no new QR."""

from tests.harness.tinyproxy import Tinyproxy
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id


def failures(worker, reason: str) -> float:
    registry = worker.manager.metrics.registry
    return registry.get_sample_value("wa_worker_proxy_failures_total", {"reason": reason}) or 0.0


async def test_a_restored_session_waits_for_its_proxy_then_is_ready_without_a_qr(start_worker, receiver, sim):
    with Tinyproxy(auth=("alice", "s3cret"), bind="127.0.0.2") as proxy:
        worker = await start_worker(warm_pages_max=0, proxy_retry_max_s=0.2)
        sid = session_id()
        await worker.start_session(sid, proxy=proxy.wire())
        qr = await receiver.wait_for_type(sid, "qr_code_generated", within=60)
        await sim.scan(qr.data["qr"], phone_number="5511999990031", pushname="Ana", platform="android")
        ready = await receiver.wait_for_type(sid, "session_ready", within=60)
        qrs = len(receiver.of(sid, "qr_code_generated"))
        await worker.stop()
        proxy.stop()

        again = await start_worker(warm_pages_max=0, proxy_retry_max_s=0.2)  # restores it from its lease, proxy and all
        down = await receiver.wait_for_type(sid, "session_disconnected", within=60)
        await wait_until_async(lambda: failures(again, "PROXY_UNREACHABLE") >= 3, within=60, what="three checks")

        assert down.data["reason"] == "PROXY_UNREACHABLE"
        assert len(receiver.of(sid, "session_disconnected")) == 1  # once per outage
        session = again.manager.get(sid)
        assert session.active and session.state == "STARTING" and session.page is None
        assert again.manager.states()[sid]["state"] == "STARTING"  # what its heartbeats report
        assert again.manager.host.has_auth(sid) and sid in receiver.leases

        proxy.start()
        back = await receiver.wait_for(
            lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > ready.sequence, within=60
        )

        assert back.data["phone_number"] == "5511999990031"
        assert len(receiver.of(sid, "qr_code_generated")) == qrs
        assert again.manager.get(sid).state == "READY"
        assert f"GET {sim.url}/ HTTP/1.1" in proxy.log_text()

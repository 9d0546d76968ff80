"""A fetched auth state is used only if its SHA-256 is the one the backend names (``x-auth-state-sha256``): one
that does not match (damaged on the way, or not the state the backend meant) is refused, logged, and fetched again
later; the session opens only from the true one (here: linked, ready, no QR)."""

import logging

from session_worker.browser import STATE_FILE
from tests.harness.receiver import auth_state_response
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_a_state_named_by_another_digest_is_refused_and_fetched_again(start_worker, receiver, sim, caplog):
    first = await start_worker(worker_id="worker-a", warm_pages_max=0)
    sid = session_id()
    await link(first, sim, receiver, sid, "5511999990034")
    await first.stop()
    stored = receiver.auth_states[sid]
    served: list[str] = []

    def lying_twice(method, s):
        if method != "GET" or s != sid:
            return None
        served.append(method)
        return auth_state_response(stored, sha256="0" * 64) if len(served) <= 2 else None

    receiver.auth_answer = lying_twice
    mark = len(receiver.events)
    with caplog.at_level(logging.ERROR, logger="session_worker.auth_store"):
        second = await start_worker(
            worker_id="worker-b", warm_pages_max=0, data_dir=first.settings.session_data_dir.parent / "b"
        )
        await second.start_session(sid, epoch=1, restore=True)
        await wait_until_async(lambda: len(served) >= 2, within=30, what="two fetches")
        assert not (second.manager.host.session_dir(sid) / STATE_FILE).exists()  # not used
        ready = await receiver.wait_for(
            lambda e: e.session_id == sid and e.type == "session_ready", after=mark, within=60
        )

    assert ready.data["phone_number"] == "5511999990034"
    assert len(receiver.of(sid, "qr_code_generated")) == 1  # the true state, fetched again, opened it linked
    refusals = [r for r in caplog.records if r.getMessage() == "AUTH STATE NOT USED, retrying"]
    assert len(refusals) == 2 and "SHA-256" in refusals[0].detail

"""The persistent-profile layout (a Chromium profile per session) links and restores after a graceful stop."""

from session_worker.settings import Layout
from tests.worker.conftest import link, session_id


async def test_the_profile_layout_links_and_restores_after_a_graceful_restart(start_worker, receiver, sim):
    worker = await start_worker(layout=Layout.PROFILE)
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990012")
    assert (worker.manager.host.session_dir(sid) / "profile").is_dir()
    first_ready = receiver.of(sid, "session_ready")[-1]
    await worker.stop()

    await start_worker(layout=Layout.PROFILE)

    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > first_ready.sequence
    )
    assert restored.data["phone_number"] == "5511999990012"
    assert len(receiver.of(sid, "qr_code_generated")) == 1

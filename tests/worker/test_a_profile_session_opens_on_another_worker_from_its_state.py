"""The profile layout's session moves too: once ready it keeps the same storage state as the shared layout, and
a worker that receives that state (what the auth store's download leaves in its cache) opens the session in a
fresh profile seeded with it: connected as the same phone, no QR, never on two pages at once."""

from session_worker.browser import STATE_FILE, write_atomically
from session_worker.settings import Layout
from tests.worker.conftest import link, session_id

PHONE = "5511999990014"


async def test_a_profile_session_opens_on_another_worker_from_its_storage_state(start_worker, receiver, sim, tmp_path):
    first = await start_worker(layout=Layout.PROFILE, data_dir=tmp_path / "first")
    sid = session_id()
    await link(first, sim, receiver, sid, PHONE)
    state = (first.manager.host.session_dir(sid) / STATE_FILE).read_bytes()
    await first.stop()
    mark = len(receiver.events)

    # What the auth store's download leaves in the second worker's cache, before its lease starts it there.
    write_atomically(tmp_path / "second" / "sessions" / sid / STATE_FILE, state)
    second = await start_worker(layout=Layout.PROFILE, data_dir=tmp_path / "second")
    await second.start_session(sid)  # the start command; the first heartbeat's answer may have started it already

    ready = await receiver.wait_for(lambda e: e.session_id == sid and e.type == "session_ready", after=mark, within=60)
    assert ready.data["phone_number"] == PHONE
    assert [e.type for e in receiver.events[mark:] if e.session_id == sid and e.type == "qr_code_generated"] == []
    assert (second.manager.host.session_dir(sid) / "profile").is_dir()
    assert (await sim.stats())["double_connections"] == 0

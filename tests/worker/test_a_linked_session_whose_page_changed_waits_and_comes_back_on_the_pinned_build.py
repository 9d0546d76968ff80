"""A linked session whose page reloads on a changed build says PAGE_CHANGED once (``session_disconnected``), stays
active and STARTING (its lease and auth held), and opens its page again only as its backoff allows (never in a
loop); once the backend pins the previous build (the heartbeat's answer carries ``whatsapp_web_pin``) it opens at
once on that build's kept page and is READY again without a QR. Uses the changed build of
tests/worker/changed_page.py, and a reload of the page from the test (the simulator's build switch, once merged,
reloads its pages itself)."""

import asyncio
import time

from tests.worker.changed_page import CHANGED, KNOWN, serve_changed_build
from tests.worker.conftest import link, session_id

RETRY_MAX_S = 1.0


def page_changes(worker) -> float:
    return worker.manager.metrics.registry.get_sample_value("wa_worker_page_changed_total") or 0.0


async def test_a_linked_session_whose_page_changed_waits_then_comes_back_on_the_pin(
    start_worker, receiver, sim, monkeypatch, tmp_path
):
    worker = await start_worker(warm_pages_max=0, page_changed_retry_max_s=RETRY_MAX_S, heartbeat_interval_s=1.0)
    sid = session_id()
    await link(worker, sim, receiver, sid, "5511999990041")
    ready = receiver.first(sid, "session_ready")
    qrs = len(receiver.of(sid, "qr_code_generated"))
    assert (worker.settings.session_data_dir / "builds" / f"{KNOWN}.html").exists()

    serve_changed_build(monkeypatch, tmp_path / "changed")
    session = worker.manager.get(sid)
    await session.page.page.reload()
    changed = await receiver.wait_for_type(sid, "session_page_changed", within=60)
    down = await receiver.wait_for_type(sid, "session_disconnected", within=60)
    since = time.monotonic()
    await asyncio.sleep(4)
    watched_s, opens = time.monotonic() - since, page_changes(worker)
    print(f"{opens:g} changed boots in {watched_s:.1f} s (pauses of at most {RETRY_MAX_S:g} s after the first 1 s)")

    assert changed.data["build"] == CHANGED and down.data["reason"] == "PAGE_CHANGED"
    assert len(receiver.of(sid, "session_disconnected")) == 1 and len(receiver.of(sid, "session_page_changed")) == 1
    assert session.active and session.state == "STARTING" and worker.manager.states()[sid]["state"] == "STARTING"
    assert sid in receiver.leases and worker.manager.host.has_auth(sid)
    assert 2 <= opens <= 1 + watched_s / RETRY_MAX_S + 1  # reopened, but only as the backoff allows

    receiver.pin = KNOWN
    back = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > ready.sequence, within=60
    )

    assert back.data["phone_number"] == "5511999990041"
    assert len(receiver.of(sid, "qr_code_generated")) == qrs
    assert receiver.of(sid, "session_booted")[-1].data == {"build": KNOWN}
    assert worker.manager.get(sid).state == "READY" and worker.manager.host.builds.pin == KNOWN

"""A page that boots clean sends ``session_booted`` with its build (each page boot), the build is counted among the
live sessions (``wa_worker_sessions_by_build``) and shown in the session's view, and the page it booted from is
kept as ``builds/<build>.html``, owner-only, the simulator's document as served."""

import stat

from tests.harness.waiting import wait_until_async
from tests.worker.changed_page import KNOWN
from tests.worker.conftest import session_id


async def test_a_clean_boot_reports_its_build_and_caches_its_page(start_worker, receiver, sim):
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()

    await worker.start_session(sid)
    booted = await receiver.wait_for_type(sid, "session_booted", within=60)
    await receiver.wait_for_type(sid, "qr_code_generated", within=60)
    cached = worker.settings.session_data_dir / "builds" / f"{KNOWN}.html"
    await wait_until_async(cached.exists, within=30, what="the build's page cached")

    assert booted.data == {"build": KNOWN}
    types = [e.type for e in receiver.of(sid)]
    assert types.index("session_booted") < types.index("qr_code_generated")
    assert f'"version": "{KNOWN}"' in cached.read_text() and "/static/wa.js" in cached.read_text()
    assert stat.S_IMODE(cached.stat().st_mode) == 0o600
    registry = worker.manager.metrics.registry
    assert registry.get_sample_value("wa_worker_sessions_by_build", {"build": KNOWN}) == 1
    status, view = await worker.call("GET", f"/sessions/{sid}")
    assert status == 200 and view["build"] == KNOWN

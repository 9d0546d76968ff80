"""A new session (no kept auth) whose page boots without the members the worker uses says what changed at once
(``session_page_changed``: the build, WAWebCmd missing, getADVSecretKey async), then ends
(``session_disconnected`` PAGE_CHANGED, DISCONNECTED, not active), with no QR and no timeout first. Uses the
changed build of tests/worker/changed_page.py (the simulator's own build switch, once merged, serves the same)."""

import time

from tests.worker.changed_page import CHANGED, serve_changed_build
from tests.worker.conftest import session_id


async def test_a_new_session_on_a_changed_page_ends_page_changed_without_a_qr(
    start_worker, receiver, sim, monkeypatch, tmp_path
):
    serve_changed_build(monkeypatch, tmp_path / "changed")
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()

    started = time.monotonic()
    await worker.start_session(sid)
    changed = await receiver.wait_for_type(sid, "session_page_changed", within=60)
    ended = await receiver.wait_for_type(sid, "session_disconnected", within=60)
    print(f"start -> session_page_changed {time.monotonic() - started:.2f} s")

    assert changed.data["build"] == CHANGED
    found = {(c["module"], c["member"]): c["found"] for c in changed.data["changes"]}
    assert found == {
        ("WAWebCmd", "Cmd.on"): "missing module",
        ("WAWebUserPrefsMultiDevice", "getADVSecretKey"): "async function",
    }
    assert ended.data["reason"] == "PAGE_CHANGED" and ended.sequence > changed.sequence
    assert receiver.of(sid, "qr_code_generated", "session_booted", "session_error") == []
    session = worker.manager.get(sid)
    assert session.state == "DISCONNECTED" and not session.active and session.page is None
    registry = worker.manager.metrics.registry
    assert registry.get_sample_value("wa_worker_page_changed_total") == 1
    assert not (worker.settings.session_data_dir / "builds" / f"{CHANGED}.html").exists()

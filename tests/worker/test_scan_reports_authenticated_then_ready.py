"""Start -> a QR webhook with a valid QR string; scan -> session_authenticated, then session_ready with the
phone number (never a LID), each event signed and in sequence order."""

from shared.events import QR_PARTS
from tests.worker.conftest import session_id


async def test_start_sends_the_qr_shown_on_the_page(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()

    view = await worker.start_session(sid, "7")

    assert view["session_id"] == sid and view["workspace_id"] == "7"
    event = await receiver.wait_for_type(sid, "qr_code_generated")
    qr = event.data["qr"]
    assert len(qr.split(",")) == QR_PARTS
    assert qr in [shown["qr"] for shown in await sim.qrs()]
    assert event.data["qr_count"] == 1 and event.worker_id == "worker-test" and event.workspace_id == "7"


async def test_scan_reports_authenticated_then_ready_with_the_phone_number(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    qr_event = await receiver.wait_for_type(sid, "qr_code_generated")

    await sim.scan(qr_event.data["qr"], phone_number="5511999990001", pushname="Ana", platform="android")

    ready = await receiver.wait_for_type(sid, "session_ready")
    assert ready.data["phone_number"] == "5511999990001"
    assert ready.data["pushname"] == "Ana"
    types = [e.type for e in receiver.of(sid)]
    assert types.index("session_authenticated") < types.index("session_ready")
    sequences = [e.sequence for e in receiver.of(sid)]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    status, state = await worker.call("GET", f"/sessions/{sid}")
    assert status == 200 and state["state"] == "READY" and state["phone_number"] == "5511999990001"
    assert [h["state"] for h in state["history"]][-3:] == ["SCAN_QR_CODE", "AUTHENTICATED", "READY"]


async def test_starting_a_running_session_returns_its_state(start_worker, receiver):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")

    status, view = await worker.call("POST", "/sessions", {"session_id": sid, "workspace_id": "1"})

    assert status == 200 and view["state"] == "SCAN_QR_CODE"

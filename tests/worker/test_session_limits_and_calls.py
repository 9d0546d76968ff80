"""MAX_SESSIONS, stop, logout, screenshot and the pairing code through the signed API."""

from tests.harness.waiting import wait_until_async
from tests.worker.conftest import link, session_id


async def test_a_start_beyond_max_sessions_is_refused_with_503(start_worker, receiver):
    worker = await start_worker(max_sessions=1)
    await worker.start_session(session_id())

    status, body = await worker.call("POST", "/sessions", {"session_id": session_id(), "workspace_id": "1"})

    assert status == 503 and body == {"error": "capacity", "detail": "this worker already runs 1 sessions"}


async def test_stop_keeps_the_auth_and_logout_wipes_it(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    device = await link(worker, sim, receiver, sid, "5511999990008")

    status, view = await worker.call("DELETE", f"/sessions/{sid}")

    assert status == 200 and view["state"] == "STOPPED"
    assert worker.manager.host.has_auth(sid)
    stopped = await receiver.wait_for_type(sid, "session_disconnected")
    assert stopped.data["reason"] == "STOPPED"
    await worker.start_session(sid)
    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > stopped.sequence
    )
    assert restored.data["phone_number"] == "5511999990008"
    await wait_until_async(lambda: worker.manager.get(sid).state == "READY")

    status, view = await worker.call("POST", f"/sessions/{sid}/logout")

    assert status == 200 and view["state"] == "DISCONNECTED"
    assert not worker.manager.host.has_auth(sid)
    assert (await sim.device(device["device_id"]))["logged_out"] is True


async def test_screenshot_and_pairing_code(start_worker, receiver, sim):
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    await receiver.wait_for_type(sid, "qr_code_generated")

    status, png = await worker.call("GET", f"/sessions/{sid}/screenshot")
    assert status == 200 and png.startswith(b"\x89PNG")

    status, body = await worker.call("POST", f"/sessions/{sid}/pairing-code", {"phone_number": "5511999990009"})
    assert status == 200 and len(body["code"]) == 8
    await sim.link_with_code(body["code"], phone_number="5511999990009")
    ready = await receiver.wait_for_type(sid, "session_ready")
    assert ready.data["phone_number"] == "5511999990009"


async def test_unknown_sessions_are_404(start_worker):
    worker = await start_worker()

    status, body = await worker.call("GET", "/sessions/wa_unknown")

    assert status == 404 and body["error"] == "unknown_session" and set(body) == {"error", "detail"}


async def test_every_refusal_has_the_same_shape(start_worker):
    """``{"error": <short machine code>, "detail": <message>}``, whatever refused the call."""
    worker = await start_worker()

    answers = [
        await worker.call("POST", "/sessions", {"session_id": "not valid!", "workspace_id": "1"}),
        await worker.call("POST", "/sessions", {"session_id": "wa_x"}),
        await worker.call("DELETE", "/sessions/wa_unknown?epoch=x"),
        await worker.call("POST", "/sessions/wa_unknown/logout"),
    ]
    async with worker.http.get(worker.url + "/sessions") as response:  # unsigned
        answers.append((response.status, await response.json()))

    codes = [(status, body["error"]) for status, body in answers]
    assert codes == [
        (400, "invalid_session_id"),
        (400, "invalid_body"),
        (400, "invalid_epoch"),
        (404, "unknown_session"),
        (401, "missing header"),
    ]
    assert all(set(body) == {"error", "detail"} and body["detail"] for _, body in answers)

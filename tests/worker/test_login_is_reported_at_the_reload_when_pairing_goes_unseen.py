"""A page that showed a QR and reloads itself has had a scan accepted (it reloads only after pairing): the
worker reports the login at that reload, before the page connects, even when it never saw PAIRING."""

import logging

from session_worker.page import SessionPage
from tests.worker.conftest import session_id


def authenticated_via(records: list[logging.LogRecord], sid: str) -> list[str]:
    states = [r for r in records if r.getMessage() == "session state" and r.session_id == sid]
    return [r.via for r in states if r.state == "AUTHENTICATED"]


async def test_it_reports_authenticated_at_the_reload_when_pairing_was_not_reported(
    start_worker, receiver, sim, monkeypatch, caplog
):
    caplog.set_level(logging.INFO, logger="session_worker.sessions")
    report = SessionPage.report

    def without_pairing(self, kind, data=None):
        if (kind, data) != ("state", "PAIRING"):
            report(self, kind, data)

    monkeypatch.setattr(SessionPage, "report", without_pairing)
    worker = await start_worker()
    sid = session_id()
    await worker.start_session(sid)
    qr_event = await receiver.wait_for_type(sid, "qr_code_generated")

    await sim.scan(qr_event.data["qr"], phone_number="5511999990022", pushname="Ana")
    ready = await receiver.wait_for_type(sid, "session_ready")

    assert ready.data["phone_number"] == "5511999990022"
    assert authenticated_via(caplog.records, sid) == ["reload"]
    types = [e.type for e in receiver.of(sid)]
    assert types.index("session_authenticated") < types.index("session_sync_progress") < types.index("session_ready")

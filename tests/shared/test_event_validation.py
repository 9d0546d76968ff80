"""Events are validated field by field, and an error names the field."""

import json

import pytest

from shared.events import EventType, EventValidationError, make_event, parse_event

QR = "2@abc,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,BBBB=,CCCC=,1"
VALID_DATA = {
    EventType.QR_CODE_GENERATED: {"qr": QR, "qr_count": 1, "expires_in": 60},
    EventType.SESSION_AUTHENTICATED: {},
    EventType.SESSION_SYNC_PROGRESS: {"percent": 40},
    EventType.SESSION_READY: {
        "phone_number": "6281234567890",
        "pushname": "Budi",
        "platform": "android",
        "extraction_ms": 120,
    },
    EventType.SESSION_DISCONNECTED: {"reason": "LOGOUT"},
    EventType.SESSION_ERROR: {"reason": "PAGE_TIMEOUT", "detail": "waited 30 s for the page"},
    EventType.SESSION_BOOTED: {"build": "2.3000.1012345678"},
    EventType.SESSION_PAGE_CHANGED: {
        "build": "2.3000.1012345679",
        "changes": [{"module": "WAWebCmd", "member": "", "expected": "object", "found": "missing module"}],
    },
    EventType.WORKER_HEARTBEAT: {"base_url": "http://127.0.0.1:8001", "capacity": 50, "sessions": {"wa_1": "READY"}},
}


def envelope(**overrides):
    event = {
        "id": "evt_1",
        "type": "session_ready",
        "session_id": "wa_1",
        "workspace_id": "7",
        "worker_id": "worker-1",
        "sequence": 4,
        "occurred_at": "2026-11-25T10:00:00+00:00",
        "data": dict(VALID_DATA[EventType.SESSION_READY]),
    }
    event.update(overrides)
    return json.dumps(event).encode()


def field_of(body: bytes) -> str:
    with pytest.raises(EventValidationError) as info:
        parse_event(body)
    return info.value.field


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_type_round_trips(event_type):
    event = make_event(
        type=event_type,
        session_id="wa_1",
        workspace_id="7",
        worker_id="worker-1",
        sequence=1,
        data=VALID_DATA[event_type],
    )
    assert parse_event(event.to_json()) == event
    assert event.known


def test_an_unknown_type_passes_with_its_data_unchecked():
    event = parse_event(envelope(type="message_received", data={"anything": [1, 2]}))
    assert not event.known
    assert event.data == {"anything": [1, 2]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": ""}, "id"),
        ({"id": 5}, "id"),
        ({"type": "Session Ready"}, "type"),
        ({"session_id": ""}, "session_id"),
        ({"worker_id": None}, "worker_id"),
        ({"sequence": -1}, "sequence"),
        ({"sequence": "4"}, "sequence"),
        ({"sequence": True}, "sequence"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-25T10:00:00"}, "occurred_at"),
        ({"data": []}, "data"),
        ({"extra": 1}, "extra"),
        ({"data": {**VALID_DATA[EventType.SESSION_READY], "phone_number": "+6281234567890"}}, "data.phone_number"),
        ({"data": {**VALID_DATA[EventType.SESSION_READY], "phone_number": "12345"}}, "data.phone_number"),
        ({"data": {**VALID_DATA[EventType.SESSION_READY], "extraction_ms": 1.5}}, "data.extraction_ms"),
        ({"data": {"pushname": "", "platform": "", "extraction_ms": 1}}, "data.phone_number"),
        ({"type": "qr_code_generated", "data": {"qr": "undefined", "qr_count": 1, "expires_in": 1}}, "data.qr"),
        ({"type": "qr_code_generated", "data": {"qr": "null,a,b,c,d", "qr_count": 1, "expires_in": 1}}, "data.qr"),
        ({"type": "session_disconnected", "data": {"reason": "logout"}}, "data.reason"),
        ({"type": "session_authenticated", "data": {"x": 1}}, "data.x"),
        ({"type": "session_sync_progress", "data": {}}, "data.percent"),
        ({"type": "session_sync_progress", "data": {"percent": 101}}, "data.percent"),
        ({"type": "session_sync_progress", "data": {"percent": -1}}, "data.percent"),
        ({"type": "session_sync_progress", "data": {"percent": "40"}}, "data.percent"),
        ({"type": "session_sync_progress", "data": {"percent": 40.5}}, "data.percent"),
        ({"type": "session_sync_progress", "data": {"percent": 40, "total": 9}}, "data.total"),
        ({"type": "worker_heartbeat", "data": {"base_url": "ftp://x", "capacity": 1, "sessions": {}}}, "data.base_url"),
    ],
)
def test_a_bad_field_is_named(overrides, field):
    assert field_of(envelope(**overrides)) == field


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b"\xff\xfe", b"null", b"[" * 100_000 + b"]" * 100_000, b" " * (256 * 1024 + 1)],
)
def test_a_body_that_is_not_an_event_object_is_refused_as_a_whole(body):
    assert field_of(body) == "$"


@pytest.mark.parametrize("state", [[], None, 1, "NOT_A_STATE"])
def test_a_heartbeat_session_state_of_any_wrong_type_is_named(state):
    data = {"base_url": "http://127.0.0.1:8001", "capacity": 1, "sessions": {"wa_1": state}}
    assert field_of(envelope(type="worker_heartbeat", session_id="", data=data)) == "data.sessions.wa_1"

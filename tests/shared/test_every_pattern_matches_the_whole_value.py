"""Every pattern that checks a value checks all of it: a session id, a phone number, a reason or an event type
followed by a newline (or anything else) is refused. `re.match` with `^...$` let "abc\n" through."""

import pytest

from shared.events import EventValidationError, make_event

GOOD = {"type": "session_ready", "session_id": "wa_1", "workspace_id": "1", "worker_id": "worker-1", "sequence": 1}
READY = {"phone_number": "6281234567890", "pushname": "Ana", "platform": "android", "extraction_ms": 1}


def test_a_well_formed_event_passes():
    assert make_event(**GOOD, data=READY).session_id == "wa_1"


@pytest.mark.parametrize(
    ("field", "value"),
    [("session_id", "wa_1\n"), ("workspace_id", "1\n"), ("worker_id", "worker-1\n"), ("type", "session_ready\n")],
)
def test_an_envelope_field_with_a_trailing_newline_is_refused(field, value):
    with pytest.raises(EventValidationError):
        make_event(**{**GOOD, field: value}, data=READY)


@pytest.mark.parametrize("phone", ["6281234567890\n", "6281234567890 ", "6281234567890x"])
def test_a_phone_number_with_anything_after_its_digits_is_refused(phone):
    with pytest.raises(EventValidationError):
        make_event(**GOOD, data={**READY, "phone_number": phone})


def test_a_reason_with_a_trailing_newline_is_refused():
    with pytest.raises(EventValidationError):
        make_event(**{**GOOD, "type": "session_error"}, data={"reason": "PAGE_TIMEOUT\n", "detail": "x"})

"""The worker's log lines (session_worker/logs.py) show a phone number by its last 4 digits only, whether it is
a field (``phone_number``) or in the message; session ids, event ids and other numbers stay whole."""

import json
import logging

from session_worker.logs import JsonFormatter


def logged(message: str, *args, **extra) -> dict:
    record = logging.LogRecord("session_worker.sessions", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter().format(record))


def test_a_phone_number_field_keeps_its_last_four_digits():
    line = logged("session state", session_id="wa_0123456789abcdef0123", phone_number="6281234567890", state="READY")
    assert line["phone_number"] == "*********7890"
    assert line["session_id"] == "wa_0123456789abcdef0123"


def test_a_phone_number_in_the_message_is_masked():
    line = logged("pairing code requested for %s (+%s)", "6281234567890", "4915112345678")
    assert line["msg"] == "pairing code requested for *********7890 (*********5678)"


def test_other_numbers_stay_whole():
    line = logged("event evt_1234567890abc #%s on port %s, took 1234567.5 ms", 42, 8001)
    assert line["msg"] == "event evt_1234567890abc #42 on port 8001, took 1234567.5 ms"

"""``parse_answer`` reads the heartbeat answer's ``whatsapp_web_pin`` (absent or null: no pin); a malformed one
refuses the whole answer, as any malformed field does."""

import pytest

from session_worker.leases import InvalidAnswer, parse_answer

LEASES = {"s1": {"epoch": 1, "workspace_id": "1", "expires_in_ms": 30_000}}


def test_the_pin_is_read():
    assert parse_answer({"leases": LEASES, "whatsapp_web_pin": "2.3000.1030000000"}).pin == "2.3000.1030000000"


def test_absent_or_null_is_no_pin():
    assert parse_answer({"leases": LEASES}).pin is None
    assert parse_answer({"leases": LEASES, "whatsapp_web_pin": None}).pin is None


@pytest.mark.parametrize("pin", ["", "../../etc/passwd", 2.3, ["2.3000.1030000000"], "x" * 65])
def test_a_malformed_pin_refuses_the_answer(pin):
    with pytest.raises(InvalidAnswer, match="whatsapp_web_pin"):
        parse_answer({"leases": LEASES, "whatsapp_web_pin": pin})

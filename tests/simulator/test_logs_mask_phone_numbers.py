"""The simulator's log (configured by ``python -m simulator``) shows phone numbers by their last 4 digits only."""

import logging

from simulator.__main__ import PhoneNumberMask


def test_a_phone_number_in_a_log_line_keeps_its_last_four_digits():
    record = logging.LogRecord("simulator.hub", logging.INFO, __file__, 1, "page %s: linked as device %s (%s)",
                               ("p1", "dev_123456789", "6281234567890"), None)  # fmt: skip
    assert PhoneNumberMask().filter(record)
    assert record.getMessage() == "page p1: linked as device dev_123456789 (*********7890)"

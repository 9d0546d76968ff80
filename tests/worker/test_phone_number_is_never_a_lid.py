"""The phone number comes only from a phone-number user (c.us / s.whatsapp.net), never from a LID."""

import pytest

from session_worker.whatsapp_web import parse_me


def test_a_phone_user_gives_the_number_pushname_and_platform():
    me = parse_me({"user": "5511999990000", "server": "c.us", "pushname": "Ana", "platform": "android"})

    assert me is not None and (me.phone_number, me.pushname, me.platform) == ("5511999990000", "Ana", "android")


@pytest.mark.parametrize(
    "raw",
    [
        {"user": "112233445566778", "server": "lid", "pushname": "", "platform": ""},
        {"user": None, "server": None, "pushname": "", "platform": ""},
        {"user": "", "server": "c.us"},
        {"user": "0551199999", "server": "c.us"},
        {"user": "55119999900001234", "server": "c.us"},
        None,
        "5511999990000",
    ],
)
def test_anything_else_is_not_a_phone_number_yet(raw):
    assert parse_me(raw) is None

import time

import pytest

from shared.signing import new_message_id, new_secret, sign, verify


@pytest.mark.parametrize("body", [b"", b"{}", '{"name": "Budi \u00e9"}'.encode(), bytes(range(256))])
def test_what_is_signed_verifies(body):
    secret = new_secret()
    now = int(time.time())
    verify(secret, sign(secret, new_message_id(), now, body), body, now=now)


def test_header_names_are_case_insensitive():
    secret = new_secret()
    headers = {k.upper(): v for k, v in sign(secret, "msg_1", 1000, b"x").items()}
    verify(secret, headers, b"x", now=1000)


def test_a_timestamp_at_the_edge_of_the_window_is_accepted():
    secret = new_secret()
    verify(secret, sign(secret, "msg_1", 1000, b"x"), b"x", now=1300)
    verify(secret, sign(secret, "msg_1", 1000, b"x"), b"x", now=700)


def test_signing_refuses_a_text_body():
    with pytest.raises(TypeError):
        sign(new_secret(), "msg_1", 1000, "text")

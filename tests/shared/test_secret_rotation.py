"""Rotating WHATSAPP_HMAC_SECRET: sign with old and new, accept either, then drop the old one."""

import pytest

from shared.signing import Reason, SecretError, VerificationError, new_secret, parse_secrets, sign, verify

OLD, NEW = new_secret(), new_secret()


def test_a_sender_with_both_secrets_is_accepted_by_a_receiver_with_either():
    headers = sign([OLD, NEW], "msg_1", 1000, b"x")
    assert len(headers["webhook-signature"].split()) == 2
    verify([OLD], headers, b"x", now=1000)
    verify([NEW], headers, b"x", now=1000)


def test_a_receiver_with_both_secrets_accepts_a_sender_with_either():
    verify([OLD, NEW], sign(OLD, "msg_1", 1000, b"x"), b"x", now=1000)
    verify([OLD, NEW], sign(NEW, "msg_1", 1000, b"x"), b"x", now=1000)


def test_once_the_old_secret_is_dropped_it_is_refused():
    with pytest.raises(VerificationError) as info:
        verify([NEW], sign(OLD, "msg_1", 1000, b"x"), b"x", now=1000)
    assert info.value.reason is Reason.BAD_SIGNATURE


def test_a_configured_value_may_hold_several_secrets():
    assert parse_secrets(f"{OLD} {NEW}") == [OLD, NEW]
    assert parse_secrets(f"{OLD},{NEW}") == [OLD, NEW]


@pytest.mark.parametrize("value", ["", "   ", "secret", "whsec_", "whsec_!!!!", "whsec_c2hvcnQ="])
def test_a_malformed_secret_is_refused_at_configuration(value):
    with pytest.raises(SecretError):
        parse_secrets(value)

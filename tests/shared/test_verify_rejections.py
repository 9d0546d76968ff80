"""Every rejection reason, each with a clear reason the receiver can answer with."""

import pytest

from shared.signing import Reason, VerificationError, new_secret, sign, verify

SECRET = new_secret()
NOW = 1_700_000_000
BODY = b'{"id": "evt_1"}'


def signed(**overrides):
    headers = sign(SECRET, "msg_1", NOW, BODY)
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def rejection(headers, body=BODY, now=NOW) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        verify([SECRET], headers, body, now=now)
    return info.value


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(name):
    error = rejection(signed(**{name: None}))
    assert error.reason is Reason.MISSING_HEADER
    assert name in str(error)


@pytest.mark.parametrize(
    "overrides",
    [
        {"webhook-timestamp": "soon"},
        {"webhook-timestamp": "-5"},
        {"webhook-timestamp": "1.7e9"},
        {"webhook-timestamp": "\u0661\u0662"},  # non-ASCII digits
        {"webhook-id": ""},
        {"webhook-id": "x" * 200},
        {"webhook-signature": "v1"},
        {"webhook-signature": "v1,@@@not-base64@@@"},
        {"webhook-signature": "v2,abc="},
        {"webhook-signature": ""},
    ],
)
def test_a_malformed_header_is_refused_as_malformed(overrides):
    assert rejection(signed(**overrides)).reason is Reason.MALFORMED_HEADER


def test_a_signature_by_another_secret_is_bad():
    headers = sign(new_secret(), "msg_1", NOW, BODY)
    assert rejection(headers).reason is Reason.BAD_SIGNATURE


def test_a_changed_body_is_a_bad_signature():
    assert rejection(signed(), body=BODY + b" ").reason is Reason.BAD_SIGNATURE


def test_a_timestamp_older_than_five_minutes_is_too_old():
    assert rejection(signed(), now=NOW + 301).reason is Reason.TIMESTAMP_TOO_OLD


def test_a_timestamp_more_than_five_minutes_ahead_is_too_new():
    assert rejection(signed(), now=NOW - 301).reason is Reason.TIMESTAMP_TOO_NEW


def test_the_window_is_checked_before_the_signature():
    # A stale request is refused as stale even if its signature is also wrong: the cheap check first.
    headers = sign(new_secret(), "msg_1", NOW, BODY)
    assert rejection(headers, now=NOW + 1000).reason is Reason.TIMESTAMP_TOO_OLD

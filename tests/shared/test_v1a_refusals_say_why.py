"""Every refusal of a signed request has a reason the receiver can answer with (and a worker can act on)."""

import pytest

from shared import identity
from shared.signing import Reason, VerificationError

PAIR = identity.new_key_pair()
NOW = 1_700_000_000
BODY = b'{"id": "evt_1"}'


def signed(**overrides):
    headers = identity.sign(PAIR.private, "msg_1", NOW, BODY)
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def rejection(headers, body=BODY, now=NOW) -> VerificationError:
    with pytest.raises(VerificationError) as info:
        identity.verify([PAIR.public], headers, body, now=now)
    return info.value


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(name):
    error = rejection(signed(**{name: None}))
    assert error.reason is Reason.MISSING_HEADER and name in str(error)


@pytest.mark.parametrize(
    "overrides",
    [
        {"webhook-id": ""},
        {"webhook-id": "x" * 129},
        {"webhook-timestamp": "soon"},
        {"webhook-signature": "v1a,not base64!"},
        {"webhook-signature": "v1,c2lnbmF0dXJl"},  # another scheme only
    ],
)
def test_a_malformed_header_is_said_so(overrides):
    assert rejection(signed(**overrides)).reason is Reason.MALFORMED_HEADER


def test_a_timestamp_out_of_the_window_says_how_far_either_way():
    old = rejection(signed(), now=NOW + 301)
    assert old.reason is Reason.TIMESTAMP_TOO_OLD and "301 s old" in str(old)
    new = rejection(signed(), now=NOW - 360)
    assert new.reason is Reason.TIMESTAMP_TOO_NEW and "360 s ahead" in str(new)

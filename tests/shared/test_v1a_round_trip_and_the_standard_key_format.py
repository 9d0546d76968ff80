"""v1a signatures (Standard Webhooks' asymmetric scheme, Ed25519) made with a worker's key verify with its public key
and with no other; the keys are the standard ones: RFC 8032's first test vector, as whsk_/whpk_, gives its
public key and signature."""

import base64

import pytest

from shared import identity
from shared.signing import VerificationError

NOW = 1_700_000_000
# RFC 8032, section 7.1, TEST 1 (the empty message).
RFC_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_the_key_format_is_the_standard_ed25519_key():
    private = identity.PRIVATE_PREFIX + base64.b64encode(RFC_SECRET).decode()
    assert identity.public_of(private) == identity.PUBLIC_PREFIX + base64.b64encode(RFC_PUBLIC).decode()
    assert identity.private_key(private).sign(b"") == RFC_SIGNATURE


def test_a_signature_verifies_with_its_public_key_only():
    mine, theirs = identity.new_key_pair(), identity.new_key_pair()
    headers = identity.sign(mine.private, "msg_1", NOW, b'{"n": 1}')
    assert headers["webhook-signature"].startswith("v1a,")
    assert identity.verify([mine.public], headers, b'{"n": 1}', now=NOW) == "msg_1"
    with pytest.raises(VerificationError, match="bad signature"):
        identity.verify([theirs.public], headers, b'{"n": 1}', now=NOW)


def test_the_signed_content_is_the_same_as_v1s():
    pair = identity.new_key_pair()
    signature = identity.sign(pair.private, "msg_1", NOW, b"body")["webhook-signature"].split(",", 1)[1]
    # the content signed: "<id>.<timestamp>.<body>", as the symmetric scheme's
    identity.public_key(pair.public).verify(base64.b64decode(signature), b"msg_1.1700000000.body")


@pytest.mark.parametrize(
    ("value", "private"),
    [("whpk_AAAA", True), ("whsk_not-base64!", True), ("whsk_" + "A" * 40, True), ("whsk_abc", False), ("", False)],
)
def test_a_malformed_key_is_refused_without_echoing_it(value, private):
    with pytest.raises(identity.KeyError_) as caught:
        identity.parse_keys(value, private=private)
    assert "not-base64" not in str(caught.value)

"""Rotation: a sender holding two keys signs with both, a receiver holding either accepts; so old and new meet at
every step of a rotation (docs/operations.md)."""

from shared import identity

NOW = 1_700_000_000


def test_a_sender_with_two_keys_is_understood_by_a_receiver_knowing_either():
    old, new = identity.new_key_pair(), identity.new_key_pair()
    headers = identity.sign([new.private, old.private], "msg_1", NOW, b"{}")
    assert len(headers["webhook-signature"].split()) == 2
    for known in ([old.public], [new.public], [new.public, old.public]):
        assert identity.verify(known, headers, b"{}", now=NOW) == "msg_1"


def test_a_receiver_with_two_keys_understands_a_sender_with_either():
    old, new = identity.new_key_pair(), identity.new_key_pair()
    for sender in (old, new):
        headers = identity.sign(sender.private, "msg_1", NOW, b"{}")
        assert identity.verify([new.public, old.public], headers, b"{}", now=NOW) == "msg_1"

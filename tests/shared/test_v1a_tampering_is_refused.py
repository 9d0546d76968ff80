"""Property: changing any one byte of the id, the timestamp or the body makes a v1a signature fail."""

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import identity
from shared.signing import VerificationError

PAIR = identity.new_key_pair()
NOW = 1_700_000_000


def replace_byte(data: bytes, index: int, value: int) -> bytes:
    index %= len(data)
    if data[index] == value:
        value = (value + 1) % 256
    return data[:index] + bytes([value]) + data[index + 1 :]


def refused(headers, body) -> bool:
    try:
        identity.verify([PAIR.public], headers, body, now=NOW)
    except VerificationError:
        return True
    return False


@settings(max_examples=60)
@given(body=st.binary(min_size=1, max_size=300), index=st.integers(0, 10_000), value=st.integers(0, 255))
def test_a_changed_body_byte_is_refused(body, index, value):
    headers = identity.sign(PAIR.private, "msg_1", NOW, body)
    assert not refused(headers, body)
    assert refused(headers, replace_byte(body, index, value))


@settings(max_examples=60)
@given(msg_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=40))
def test_another_id_is_refused(msg_id):
    headers = identity.sign(PAIR.private, msg_id, NOW, b"{}")
    assert refused({**headers, "webhook-id": msg_id + "x"}, b"{}")


def test_another_timestamp_in_the_window_is_refused():
    headers = identity.sign(PAIR.private, "msg_1", NOW, b"{}")
    assert refused({**headers, "webhook-timestamp": str(NOW + 1)}, b"{}")

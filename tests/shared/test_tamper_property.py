"""Property: changing any one byte of the id, the timestamp or the body makes verification fail."""

from hypothesis import given
from hypothesis import strategies as st

from shared.signing import VerificationError, sign, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_700_000_000


def replace_byte(data: bytes, index: int, value: int) -> bytes:
    index %= len(data)
    if data[index] == value:
        value = (value + 1) % 256
    return data[:index] + bytes([value]) + data[index + 1 :]


def refused(headers, body) -> bool:
    try:
        verify([SECRET], headers, body, now=NOW)
    except VerificationError:
        return True
    return False


ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=40)


@given(body=st.binary(min_size=1, max_size=300), index=st.integers(0, 10_000), value=st.integers(0, 255))
def test_a_changed_body_byte_is_refused(body, index, value):
    headers = sign(SECRET, "msg_1", NOW, body)
    assert not refused(headers, body)
    assert refused(headers, replace_byte(body, index, value))


@given(msg_id=ids, index=st.integers(0, 10_000), value=st.integers(0, 255))
def test_a_changed_id_byte_is_refused(msg_id, index, value):
    headers = sign(SECRET, msg_id, NOW, b"{}")
    changed = replace_byte(msg_id.encode(), index, value).decode("latin-1")
    assert refused({**headers, "webhook-id": changed}, b"{}")


@given(offset=st.integers(-200, 200), index=st.integers(0, 10_000), value=st.integers(0, 255))
def test_a_changed_timestamp_byte_is_refused(offset, index, value):
    headers = sign(SECRET, "msg_1", NOW + offset, b"{}")
    changed = replace_byte(headers["webhook-timestamp"].encode(), index, value).decode("latin-1")
    assert refused({**headers, "webhook-timestamp": changed}, b"{}")

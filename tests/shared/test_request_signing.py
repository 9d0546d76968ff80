"""Worker API requests bind method and path, so a signed request cannot be replayed at another endpoint."""

import pytest

from shared.signing import VerificationError, new_secret, sign_request, verify_request

SECRET = new_secret()


def test_a_signed_request_verifies_and_gives_its_id():
    headers = sign_request(SECRET, "POST", "/sessions", b'{"session_id": "wa_1"}')
    assert verify_request(SECRET, headers, "POST", "/sessions", b'{"session_id": "wa_1"}') == headers["webhook-id"]


@pytest.mark.parametrize(
    ("method", "path"), [("DELETE", "/sessions/wa_1"), ("POST", "/sessions/wa_1/logout"), ("GET", "/sessions/wa_2")]
)
def test_a_signature_for_one_endpoint_is_refused_at_another(method, path):
    headers = sign_request(SECRET, "GET", "/sessions/wa_1")
    with pytest.raises(VerificationError):
        verify_request(SECRET, headers, method, path, b"")

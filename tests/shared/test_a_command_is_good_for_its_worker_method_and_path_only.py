"""A backend command is signed over the worker it is for, its method, its path (with query) and its body: the same
signature is refused by another worker, on another path or method, or with another body."""

import pytest

from shared import identity
from shared.signing import VerificationError

BACKEND = identity.new_key_pair()


def check(headers, worker_id, method, path, body=b""):
    identity.verify([BACKEND.public], headers, identity.command_content(worker_id, method, path, body))


def test_the_command_verifies_where_it_was_meant_to():
    headers = identity.sign_command(BACKEND.private, "worker-1", "DELETE", "/sessions/wa_1?epoch=3", b"")
    check(headers, "worker-1", "DELETE", "/sessions/wa_1?epoch=3")


@pytest.mark.parametrize(
    ("worker_id", "method", "path", "body"),
    [
        ("worker-2", "DELETE", "/sessions/wa_1?epoch=3", b""),  # another worker
        ("worker-1", "POST", "/sessions/wa_1?epoch=3", b""),  # another method
        ("worker-1", "DELETE", "/sessions/wa_2?epoch=3", b""),  # another session
        ("worker-1", "DELETE", "/sessions/wa_1?epoch=2", b""),  # another query
        ("worker-1", "DELETE", "/sessions/wa_1?epoch=3", b"{}"),  # another body
    ],
)
def test_the_same_signature_anywhere_else_is_refused(worker_id, method, path, body):
    headers = identity.sign_command(BACKEND.private, "worker-1", "DELETE", "/sessions/wa_1?epoch=3", b"")
    with pytest.raises(VerificationError, match="bad signature"):
        check(headers, worker_id, method, path, body)


def test_a_workers_request_binds_its_method_and_path_too():
    worker = identity.new_key_pair()
    path = "/api/v1/whatsapp/sessions/wa_1/auth-state"
    headers = identity.sign_request(worker.private, "GET", path)
    identity.verify([worker.public], headers, identity.request_content("GET", path))
    with pytest.raises(VerificationError):
        identity.verify([worker.public], headers, identity.request_content("PUT", path))

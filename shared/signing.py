"""Standard Webhooks signing (https://www.standardwebhooks.com/), used in both directions.

Headers: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``, a space-separated
list of ``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")>``. A secret is ``whsec_`` + base64
of the key; several secrets may be configured at once to rotate without downtime (sign with all, accept
any). Verification works on the raw bytes and never parses the body.

For the worker API (backend -> worker) the signed "body" also binds the HTTP method and path, see
:func:`request_content`, so that a captured signed request cannot be replayed against another endpoint.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import secrets as _secrets
import time
from collections.abc import Iterable, Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's prefix, not a secret)
TOLERANCE_SECONDS = 300
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
MAX_ID_LENGTH = 128


class Reason(enum.StrEnum):
    MISSING_HEADER = "missing header"
    MALFORMED_HEADER = "malformed header"
    BAD_SIGNATURE = "bad signature"
    TIMESTAMP_TOO_OLD = "timestamp too old"
    TIMESTAMP_TOO_NEW = "timestamp too new"


class VerificationError(Exception):
    """The request is not proven to come from a holder of the secret. ``reason`` says why."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)


class SecretError(ValueError):
    """A configured secret is not ``whsec_`` + base64 of 24 to 64 bytes."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of one ``whsec_`` secret."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise SecretError(f"a secret must start with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretError("a secret must be whsec_ followed by base64") from exc
    if not 24 <= len(key) <= 64:
        raise SecretError(f"a secret's key must be 24 to 64 bytes, this one is {len(key)}")
    return key


def parse_secrets(value: str) -> list[str]:
    """Split a configured value (one secret, or several separated by spaces or commas) and check each."""
    found = [part for part in value.replace(",", " ").split() if part]
    if not found:
        raise SecretError("no secret given")
    for secret in found:
        secret_key(secret)
    return found


def new_secret(nbytes: int = 32) -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def new_message_id() -> str:
    return "msg_" + _secrets.token_hex(16)


def _as_list(secrets: str | Iterable[str]) -> list[str]:
    return [secrets] if isinstance(secrets, str) else list(secrets)


def _signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, content, hashlib.sha256).digest()


def sign(secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers for ``body``, signed with every given secret."""
    if not isinstance(body, bytes | bytearray):
        raise TypeError("body must be the raw bytes that will be sent")
    keys = [secret_key(s) for s in _as_list(secrets)]
    if not keys:
        raise SecretError("no secret given")
    signatures = " ".join(
        "v1," + base64.b64encode(_signature(key, msg_id, int(timestamp), bytes(body))).decode() for key in keys
    )
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(int(timestamp)), HEADER_SIGNATURE: signatures}


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise VerificationError(Reason.MISSING_HEADER, name)


def verify(
    secrets: str | Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Return if ``body`` carries a valid signature by any of ``secrets``; raise VerificationError otherwise."""
    msg_id = _header(headers, HEADER_ID)
    raw_timestamp = _header(headers, HEADER_TIMESTAMP)
    raw_signatures = _header(headers, HEADER_SIGNATURE)
    if not msg_id or len(msg_id) > MAX_ID_LENGTH or not msg_id.isascii() or not msg_id.isprintable():
        raise VerificationError(Reason.MALFORMED_HEADER, f"{HEADER_ID} must be 1 to {MAX_ID_LENGTH} printable ASCII")
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise VerificationError(Reason.MALFORMED_HEADER, f"{HEADER_TIMESTAMP} must be Unix seconds")
    timestamp = int(raw_timestamp)
    now = time.time() if now is None else now
    if timestamp < now - tolerance:
        raise VerificationError(Reason.TIMESTAMP_TOO_OLD, f"{int(now - timestamp)} s old, tolerance {tolerance} s")
    if timestamp > now + tolerance:
        raise VerificationError(Reason.TIMESTAMP_TOO_NEW, f"{int(timestamp - now)} s ahead, tolerance {tolerance} s")

    candidates: list[bytes] = []
    for entry in raw_signatures.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue  # other schemes (v1a, future versions) are not ours to check
        try:
            decoded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(decoded) == hashlib.sha256().digest_size:
            candidates.append(decoded)
    if not candidates:
        raise VerificationError(Reason.MALFORMED_HEADER, f"{HEADER_SIGNATURE} holds no v1 signature")

    matched = False
    for secret in _as_list(secrets):
        expected = _signature(secret_key(secret), msg_id, timestamp, bytes(body))
        for candidate in candidates:
            # Compare every pair, so that the time taken does not tell which one matched.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise VerificationError(Reason.BAD_SIGNATURE, "no signature matches a configured secret")


def request_content(method: str, path: str, body: bytes = b"") -> bytes:
    """What the worker API signs: method and path (with query) bound to the body."""
    return f"{method.upper()} {path}\n".encode() + body


def sign_request(secrets: str | Sequence[str], method: str, path: str, body: bytes = b"") -> dict[str, str]:
    return sign(secrets, new_message_id(), int(time.time()), request_content(method, path, body))


def verify_request(
    secrets: str | Sequence[str],
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
) -> str:
    """Verify a signed worker API request; return its ``webhook-id`` (for a replay check)."""
    verify(secrets, headers, request_content(method, path, body), now=now)
    return _header(headers, HEADER_ID)

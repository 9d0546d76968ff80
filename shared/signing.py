"""Standard Webhooks (https://www.standardwebhooks.com/): the headers, the time window and the reasons a signed
request is refused. The signatures themselves are the scheme's asymmetric ones (``v1a``, Ed25519:
shared/identity.py): every worker has a key of its own, and the backend one for its commands.

Headers: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``, a space-separated list of
``<version>,<base64 signature>``. The receiver refuses a timestamp more than ``TOLERANCE_SECONDS`` from its clock
either way, and works on the raw bytes: it never parses a body before its signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import enum
import secrets as _secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

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
    """The request is not proven to come from the holder of a key. ``reason`` says why."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)


def new_message_id() -> str:
    return "msg_" + _secrets.token_hex(16)


@dataclass(frozen=True)
class Signed:
    """What a request's headers claim: its id, its time, and its signatures of one version (decoded)."""

    msg_id: str
    timestamp: int
    signatures: list[bytes]


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, whatever the case of its name; VerificationError when it is missing."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    raise VerificationError(Reason.MISSING_HEADER, name)


def signed_headers(
    headers: Mapping[str, str],
    *,
    version: str,
    size: int,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> Signed:
    """The three headers checked (id, a timestamp within the window, signatures of ``version`` of ``size``
    bytes); what remains is to check a signature. VerificationError says what is wrong."""
    msg_id = header(headers, HEADER_ID)
    raw_timestamp = header(headers, HEADER_TIMESTAMP)
    raw_signatures = header(headers, HEADER_SIGNATURE)
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
    signatures = []
    for entry in raw_signatures.split():
        entry_version, _, encoded = entry.partition(",")
        if entry_version != version:
            continue  # other schemes and future versions are not ours to check
        try:
            decoded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(decoded) == size:
            signatures.append(decoded)
    if not signatures:
        raise VerificationError(Reason.MALFORMED_HEADER, f"{HEADER_SIGNATURE} holds no {version} signature")
    return Signed(msg_id=msg_id, timestamp=timestamp, signatures=signatures)

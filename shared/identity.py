"""Identities: Ed25519 key pairs in Standard Webhooks' asymmetric form, and ``v1a`` signatures with them.

A worker signs what it sends (events, heartbeats, auth-state calls) with its own private key; the backend signs its
commands to workers with a key of its own that no worker holds. Keys: ``whsk_`` + base64 of the 32-byte private
key (a 64-byte secret key, seed then public key, is taken too), ``whpk_`` + base64 of the 32-byte public key.
Signature: ``v1a,<base64 Ed25519 signature>`` over ``"<webhook-id>.<webhook-timestamp>.<content>"``, the same
signed content as ``v1``; several, space-separated, during a rotation (the receiver accepts any match).

A command's content binds the worker it is for (``command_content``): a command signed for one worker is refused
by every other.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from shared.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    TOLERANCE_SECONDS,
    Reason,
    VerificationError,
    new_message_id,
    signed_headers,
)

PRIVATE_PREFIX = "whsk_"
PUBLIC_PREFIX = "whpk_"
VERSION = "v1a"
SIGNATURE_BYTES = 64


class KeyError_(ValueError):
    """A configured key is not ``whsk_``/``whpk_`` + base64 of an Ed25519 key."""


@dataclass(frozen=True)
class KeyPair:
    private: str  # whsk_...
    public: str  # whpk_...


def _raw(text: str, prefix: str, sizes: tuple[int, ...]) -> bytes:
    if not isinstance(text, str) or not text.startswith(prefix):
        raise KeyError_(f"a key must start with {prefix!r}")
    try:
        raw = base64.b64decode(text[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise KeyError_(f"a key must be {prefix} followed by base64") from None
    if len(raw) not in sizes:
        raise KeyError_(f"an Ed25519 key is {' or '.join(map(str, sizes))} bytes, this one is {len(raw)}")
    return raw


def private_key(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_raw(text, PRIVATE_PREFIX, (32, 64))[:32])


def public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_raw(text, PUBLIC_PREFIX, (32,)))


def public_of(private: str) -> str:
    """The ``whpk_`` public key of a ``whsk_`` private key."""
    raw = private_key(private).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PUBLIC_PREFIX + base64.b64encode(raw).decode()


def new_key_pair() -> KeyPair:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    private = PRIVATE_PREFIX + base64.b64encode(raw).decode()
    return KeyPair(private=private, public=public_of(private))


def parse_keys(value: str, *, private: bool) -> list[str]:
    """Split a configured value (one key, or two during a rotation, separated by spaces or commas); check each."""
    found = [part for part in value.replace(",", " ").split() if part]
    if not found:
        raise KeyError_("no key given")
    for key in found:
        (private_key if private else public_key)(key)
    return found


def _content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + bytes(body)


def sign(private_keys: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, a ``v1a`` signature by each key."""
    if not isinstance(body, bytes | bytearray):
        raise TypeError("body must be the raw bytes that will be sent")
    keys = [private_keys] if isinstance(private_keys, str) else list(private_keys)
    if not keys:
        raise KeyError_("no key given")
    content = _content(msg_id, int(timestamp), body)
    signatures = " ".join(f"{VERSION}," + base64.b64encode(private_key(k).sign(content)).decode() for k in keys)
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(int(timestamp)), HEADER_SIGNATURE: signatures}


def verify(
    public_keys: Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Return the ``webhook-id`` if ``body`` carries a ``v1a`` signature by one of ``public_keys`` within the time
    window; raise VerificationError otherwise (``reason`` says why)."""
    signed = signed_headers(headers, version=VERSION, size=SIGNATURE_BYTES, now=now, tolerance=tolerance)
    content = _content(signed.msg_id, signed.timestamp, body)
    for key in public_keys:
        verifier = public_key(key)
        for candidate in signed.signatures:
            try:
                verifier.verify(candidate, content)
                return signed.msg_id
            except InvalidSignature:
                continue
    raise VerificationError(Reason.BAD_SIGNATURE, "no signature matches a key of this sender")


def request_content(method: str, path: str, body: bytes = b"") -> bytes:
    """What a worker's call to the backend signs: method and path (with query) bound to the body."""
    return f"{method.upper()} {path}\n".encode() + body


def command_content(worker_id: str, method: str, path: str, body: bytes = b"") -> bytes:
    """What a backend command signs: the worker it is for, method and path (with query), and the body."""
    return f"{worker_id} {method.upper()} {path}\n".encode() + body


def sign_command(private_keys: str | Sequence[str], worker_id: str, method: str, path: str, body: bytes) -> dict:
    return sign(private_keys, new_message_id(), int(time.time()), command_content(worker_id, method, path, body))


def sign_request(private_keys: str | Sequence[str], method: str, path: str, body: bytes = b"") -> dict:
    return sign(private_keys, new_message_id(), int(time.time()), request_content(method, path, body))

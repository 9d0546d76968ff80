"""A proxy's password at rest: sealed with SESSION_STATE_KEYS (MultiFernet: the first key seals, every key opens),
the same keys as the sessions' auth states, so that one rotation (``manage.py session_state_rotate``) covers both."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "cipher", "open_password", "seal_password"]


def cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.SESSION_STATE_KEYS])


def seal_password(password: str) -> bytes:
    """The sealed password (b"" for none)."""
    return cipher().encrypt(password.encode()) if password else b""


def open_password(sealed: bytes | memoryview) -> str:
    """The password; InvalidToken when no key of SESSION_STATE_KEYS opens it."""
    sealed = bytes(sealed)
    return cipher().decrypt(sealed).decode() if sealed else ""

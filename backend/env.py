"""Strict parsers for settings read from the environment.

Each parser reads one variable and raises ImproperlyConfigured naming it when its value is invalid, so a
typo stops the process at start instead of meaning a default. ``<NAME>_FILE`` may hold the path of a file
with the value (for secrets mounted as files); it wins over ``<NAME>``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


def _raw(name: str) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc.strerror}") from None
    value = os.environ.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def env_str(name: str, default: str | object | None = _MISSING) -> str | None:
    value = _raw(name)
    if value is not None:
        return value
    if default is _MISSING:
        raise ImproperlyConfigured(f"{name} must be set")
    return default  # type: ignore[return-value]


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, got {value!r}")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None, *, schemes: tuple[str, ...]) -> str | None:
    value = _raw(name)
    if value is None:
        return default
    scheme = value.partition("://")[0]
    if "://" not in value or scheme not in schemes:
        # The value is not echoed: URLs carry passwords.
        raise ImproperlyConfigured(f"{name} must be a URL with scheme {' or '.join(schemes)}, got {scheme!r}")
    return value


def env_networks(name: str, default: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDR blocks (``127.0.0.1,10.0.0.0/8,::1``); a host part set in a block
    (``10.0.0.1/8``) is refused as a likely typo."""
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=True))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must list IP addresses or CIDR blocks, got {item!r}: {exc}") from None
    return networks


def env_rate(name: str, default: str) -> str:
    """A request rate ``<count>/<second|minute|hour|day>`` (DRF's notation), returned as given."""
    value = _raw(name) or default
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        raise ImproperlyConfigured(f"{name} must be <count>/<{'|'.join(RATE_PERIODS)}>, e.g. 60/minute, got {value!r}")
    return value


def env_fernet_keys(name: str, default: str | None) -> list[str]:
    """Fernet keys (url-safe base64 of 32 bytes, as ``Fernet.generate_key()`` makes), separated by spaces or
    commas: the first encrypts, all decrypt. A key that is not one stops the start (the value is not echoed)."""
    from cryptography.fernet import Fernet

    value = _raw(name) or default
    keys = [part for part in (value or "").replace(",", " ").split() if part]
    if not keys:
        raise ImproperlyConfigured(f"{name} must be set (one or more Fernet keys, see docs/operations.md)")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (url-safe base64 of 32 bytes)"
            ) from None
    return keys


def env_signing_keys(name: str) -> list[str]:
    """Ed25519 private keys (``whsk_`` + base64, shared.identity), one, or two separated by spaces or commas during
    a rotation: each signs. Required; a key that is not one stops the start (the value is not echoed)."""
    from shared.identity import KeyError_, parse_keys

    value = _raw(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set (a whsk_ key: `manage.py worker_key_new`, docs/operations.md)")
    try:
        return parse_keys(value, private=True)
    except KeyError_ as exc:
        raise ImproperlyConfigured(f"{name} is invalid: {exc}") from None


# A rate's period in seconds, by its name in ``env_rate`` values.
RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

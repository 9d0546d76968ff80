"""Settings from the environment, parsed strictly: a missing or malformed value stops the worker at start.

Each setting is written once, as a field of :class:`Settings`: its default, and in its metadata (:func:`_env`)
the environment variable it is read from and how that variable's text is parsed. :meth:`Settings.from_env`
reads every field so; an unset or empty variable takes the field's default (a field without one is required).
"""

from __future__ import annotations

import dataclasses
import enum
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shared import identity


class SettingsError(ValueError):
    """``name`` is the environment variable at fault."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


class Layout(enum.StrEnum):
    SHARED = "shared"  # one browser, a context per session, its state saved by the worker
    PROFILE = "profile"  # a persistent Chromium profile per session


# -- parsers: the variable's name and its (non-empty) text -> the value, or SettingsError -------------------


def _text(name: str, raw: str) -> str:
    return raw


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(name, f"must be an http(s) URL, got {raw!r}")
    return raw


def _base_url(name: str, raw: str) -> str:
    return _url(name, raw).rstrip("/")


def _integer(minimum: int, maximum: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(name, f"must be an integer, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise SettingsError(name, f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {raw!r}") from None
    if not 0 < value < 86_400:
        raise SettingsError(name, f"must be more than 0 and less than a day, got {value}")
    return value


def _boolean(name: str, raw: str) -> bool:
    if raw not in ("True", "False", "true", "false", "1", "0"):
        raise SettingsError(name, f"must be True or False, got {raw!r}")
    return raw in ("True", "true", "1")


def _keys(*, private: bool) -> Callable[[str, str], list[str]]:
    """One key, or two separated by spaces during a rotation (``whsk_`` private, ``whpk_`` public)."""

    def parse(name: str, raw: str) -> list[str]:
        try:
            keys = identity.parse_keys(raw, private=private)
        except ValueError as exc:
            raise SettingsError(name, str(exc)) from None  # the value itself is never echoed
        if len(keys) > 2:
            raise SettingsError(name, f"one key, or two during a rotation, not {len(keys)}")
        return keys

    return parse


def _ca_file(name: str, raw: str) -> Path:
    """A CA bundle (PEM) that must load: a typo fails at start, not at the first request."""
    try:
        ssl.create_default_context(cafile=raw)
    except (OSError, ssl.SSLError) as exc:
        raise SettingsError(name, f"cannot load {raw!r} as a CA bundle: {exc}") from None
    return Path(raw)


def _worker_id(name: str, raw: str) -> str:
    if not raw.replace("-", "").replace("_", "").isalnum() or len(raw) > 64:
        raise SettingsError(name, f"must be letters, digits, '-' or '_', got {raw!r}")
    return raw


def _layout(name: str, raw: str) -> Layout:
    try:
        return Layout(raw)
    except ValueError:
        raise SettingsError(name, f"must be 'shared' or 'profile', got {raw!r}") from None


def _env(variable: str, parse: Callable[[str, str], Any], *, hint: str = "") -> dict[str, Any]:
    """A field's metadata: the variable it is read from, how its text is parsed, what to say when it is missing."""
    return {"variable": variable, "parse": parse, "hint": hint}


PRIVATE_KEY_FORMAT = " (this worker's private key, whsk_ + base64; two separated by a space to rotate)"
PUBLIC_KEY_FORMAT = " (the backend's command key, whpk_ + base64; two separated by a space to rotate)"
# Variables of older versions that must not be set any more: what replaces each.
RETIRED = {
    "WHATSAPP_HMAC_SECRET": "is no longer used: each worker signs with its own key, WORKER_SIGNING_KEY (whsk_...), "
    "and checks the backend's commands with BACKEND_PUBLIC_KEYS (whpk_...); remove it (docs/worker.md)",
}


# Variables still read under an older name when the new one is unset: the new name -> the old one.
ALIASES = {"WARM_PAGES_MAX": "WARM_PAGES"}


@dataclasses.dataclass(frozen=True)
class Settings:
    backend_webhook_url: str = field(metadata=_env("BACKEND_WEBHOOK_URL", _url))
    signing_keys: list[str] = field(
        repr=False, metadata=_env("WORKER_SIGNING_KEY", _keys(private=True), hint=PRIVATE_KEY_FORMAT)
    )
    backend_public_keys: list[str] = field(
        metadata=_env("BACKEND_PUBLIC_KEYS", _keys(private=False), hint=PUBLIC_KEY_FORMAT)
    )
    backend_ca_file: Path | None = field(default=None, metadata=_env("BACKEND_CA_FILE", _ca_file))
    wa_web_url: str = field(default="https://web.whatsapp.com/", metadata=_env("WA_WEB_URL", _url))
    chromium_path: str = field(default="/usr/bin/chromium", metadata=_env("CHROMIUM_PATH", _text))
    session_data_dir: Path = field(default=Path("var/sessions"), metadata=_env("SESSION_DATA_DIR", _path))
    worker_id: str = field(default="worker-1", metadata=_env("WORKER_ID", _worker_id))
    host: str = field(default="127.0.0.1", metadata=_env("WORKER_HOST", _text))
    port: int = field(default=8001, metadata=_env("WORKER_PORT", _integer(0, 65535)))
    public_url: str = field(default="", metadata=_env("WORKER_PUBLIC_URL", _base_url))
    max_sessions: int = field(default=50, metadata=_env("MAX_SESSIONS", _integer(1, 10_000)))
    layout: Layout = field(default=Layout.SHARED, metadata=_env("SESSION_LAYOUT", _layout))
    max_concurrent_launches: int = field(default=2, metadata=_env("MAX_CONCURRENT_LAUNCHES", _integer(1, 64)))
    max_concurrent_restores: int = field(default=2, metadata=_env("MAX_CONCURRENT_RESTORES", _integer(1, 64)))
    warm_pages_min: int = field(default=0, metadata=_env("WARM_PAGES_MIN", _integer(0, 64)))
    warm_pages_max: int = field(default=2, metadata=_env("WARM_PAGES_MAX", _integer(0, 64)))
    warm_pages_idle_s: float = field(default=600.0, metadata=_env("WARM_PAGES_IDLE_S", _seconds))
    page_timeout_s: float = field(default=30.0, metadata=_env("PAGE_TIMEOUT_S", _seconds))
    heartbeat_interval_s: float = field(default=5.0, metadata=_env("HEARTBEAT_INTERVAL_S", _seconds))
    lease_safety_margin_s: float = field(default=3.0, metadata=_env("LEASE_SAFETY_MARGIN_S", _seconds))
    phone_read_timeout_s: float = field(default=5.0, metadata=_env("PHONE_READ_TIMEOUT_S", _seconds))
    webhook_timeout_s: float = field(default=10.0, metadata=_env("WEBHOOK_TIMEOUT_S", _seconds))
    webhook_retry_base_s: float = field(default=0.5, metadata=_env("WEBHOOK_RETRY_BASE_S", _seconds))
    webhook_retry_max_s: float = field(default=60.0, metadata=_env("WEBHOOK_RETRY_MAX_S", _seconds))
    crash_restart_limit: int = field(default=3, metadata=_env("CRASH_RESTART_LIMIT", _integer(0, 100)))
    connection_grace_s: float = field(default=10.0, metadata=_env("CONNECTION_GRACE_S", _seconds))
    ready_timeout_s: float = field(default=180.0, metadata=_env("READY_TIMEOUT_S", _seconds))
    auth_save_interval_s: float = field(default=300.0, metadata=_env("AUTH_SAVE_INTERVAL_S", _seconds))
    proxy_check_timeout_s: float = field(default=5.0, metadata=_env("PROXY_CHECK_TIMEOUT_S", _seconds))
    proxy_retry_max_s: float = field(default=60.0, metadata=_env("PROXY_RETRY_MAX_S", _seconds))
    page_changed_retry_max_s: float = field(default=300.0, metadata=_env("PAGE_CHANGED_RETRY_MAX_S", _seconds))
    headless: bool = field(default=True, metadata=_env("HEADLESS", _boolean))

    def __post_init__(self) -> None:
        if self.warm_pages_min > self.warm_pages_max:
            most, fewest = self.warm_pages_max, self.warm_pages_min
            raise SettingsError("WARM_PAGES_MIN", f"must not be more than WARM_PAGES_MAX ({most}), got {fewest}")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def backend_origin(self) -> str:
        """The backend's scheme://host:port, from BACKEND_WEBHOOK_URL: where the sessions' auth states are kept."""
        parts = urlsplit(self.backend_webhook_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        for variable, replaced in RETIRED.items():
            if env.get(variable):
                raise SettingsError(variable, replaced)
        values = {}
        for setting in dataclasses.fields(cls):
            variable, parse = setting.metadata["variable"], setting.metadata["parse"]
            raw = env.get(variable)
            if not raw and env.get(old := ALIASES.get(variable, "")):
                variable, raw = old, env[old]  # its older name, named in a refusal as it was set
            if raw:
                values[setting.name] = parse(variable, raw)
            elif setting.default is dataclasses.MISSING:
                raise SettingsError(variable, f"is required{setting.metadata['hint']}")
        return cls(**values)

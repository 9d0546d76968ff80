"""Settings from the environment, parsed strictly: a missing or malformed value stops the worker at start."""

from __future__ import annotations

import dataclasses
import enum
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from shared.signing import SecretError, parse_secrets


class SettingsError(ValueError):
    """``name`` is the environment variable at fault."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


class Layout(enum.StrEnum):
    SHARED = "shared"  # one browser, a context per session, its state saved by the worker
    PROFILE = "profile"  # a persistent Chromium profile per session


@dataclasses.dataclass(frozen=True)
class Settings:
    backend_webhook_url: str
    hmac_secrets: list[str] = dataclasses.field(repr=False)
    wa_web_url: str = "https://web.whatsapp.com/"
    chromium_path: str = "/usr/bin/chromium"
    session_data_dir: Path = Path("var/sessions")
    worker_id: str = "worker-1"
    host: str = "127.0.0.1"
    port: int = 8001
    public_url: str = ""
    max_sessions: int = 50
    layout: Layout = Layout.SHARED
    max_concurrent_launches: int = 2
    max_concurrent_restores: int = 2
    warm_pages: int = 2
    page_timeout_s: float = 30.0
    heartbeat_interval_s: float = 5.0
    lease_safety_margin_s: float = 3.0
    phone_read_timeout_s: float = 5.0
    webhook_timeout_s: float = 10.0
    webhook_retry_base_s: float = 0.5
    webhook_retry_max_s: float = 60.0
    crash_restart_limit: int = 3
    connection_grace_s: float = 10.0
    ready_timeout_s: float = 180.0
    auth_save_interval_s: float = 300.0
    headless: bool = True

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
        defaults = cls.__dataclass_fields__
        port = _integer(env, "WORKER_PORT", 8001, minimum=0, maximum=65535)
        host = _string(env, "WORKER_HOST", "127.0.0.1")
        return cls(
            backend_webhook_url=_url(env, "BACKEND_WEBHOOK_URL", None),
            hmac_secrets=_secrets(env, "WHATSAPP_HMAC_SECRET"),
            wa_web_url=_url(env, "WA_WEB_URL", defaults["wa_web_url"].default),
            chromium_path=_string(env, "CHROMIUM_PATH", defaults["chromium_path"].default),
            session_data_dir=Path(_string(env, "SESSION_DATA_DIR", "var/sessions")),
            worker_id=_worker_id(env),
            host=host,
            port=port,
            public_url=_url(env, "WORKER_PUBLIC_URL", "", allow_empty=True).rstrip("/"),
            max_sessions=_integer(env, "MAX_SESSIONS", 50, minimum=1, maximum=10_000),
            layout=_layout(env),
            max_concurrent_launches=_integer(env, "MAX_CONCURRENT_LAUNCHES", 2, minimum=1, maximum=64),
            max_concurrent_restores=_integer(env, "MAX_CONCURRENT_RESTORES", 2, minimum=1, maximum=64),
            warm_pages=_integer(env, "WARM_PAGES", 2, minimum=0, maximum=64),
            page_timeout_s=_number(env, "PAGE_TIMEOUT_S", 30.0),
            heartbeat_interval_s=_number(env, "HEARTBEAT_INTERVAL_S", 5.0),
            lease_safety_margin_s=_number(env, "LEASE_SAFETY_MARGIN_S", 3.0),
            phone_read_timeout_s=_number(env, "PHONE_READ_TIMEOUT_S", 5.0),
            webhook_timeout_s=_number(env, "WEBHOOK_TIMEOUT_S", 10.0),
            webhook_retry_base_s=_number(env, "WEBHOOK_RETRY_BASE_S", 0.5),
            webhook_retry_max_s=_number(env, "WEBHOOK_RETRY_MAX_S", 60.0),
            crash_restart_limit=_integer(env, "CRASH_RESTART_LIMIT", 3, minimum=0, maximum=100),
            connection_grace_s=_number(env, "CONNECTION_GRACE_S", 10.0),
            ready_timeout_s=_number(env, "READY_TIMEOUT_S", 180.0),
            auth_save_interval_s=_number(env, "AUTH_SAVE_INTERVAL_S", 300.0),
            headless=_boolean(env, "HEADLESS", True),
        )


def _string(env: Mapping[str, str], name: str, default: str | None) -> str:
    value = env.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingsError(name, "is required")
        return default
    return value


def _url(env: Mapping[str, str], name: str, default: str | None, *, allow_empty: bool = False) -> str:
    value = env.get(name)
    if value is None or value == "":
        if default is None:
            raise SettingsError(name, "is required")
        if allow_empty or default:
            return default
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(name, f"must be an http(s) URL, got {value!r}")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(name, f"must be an integer, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise SettingsError(name, f"must be between {minimum} and {maximum}, got {value}")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {raw!r}") from None
    if not 0 < value < 86_400:
        raise SettingsError(name, f"must be more than 0 and less than a day, got {value}")
    return value


def _boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw not in ("True", "False", "true", "false", "1", "0"):
        raise SettingsError(name, f"must be True or False, got {raw!r}")
    return raw in ("True", "true", "1")


def _secrets(env: Mapping[str, str], name: str) -> list[str]:
    raw = env.get(name)
    if not raw:
        raise SettingsError(name, "is required (whsec_ + base64; several separated by spaces to rotate)")
    try:
        return parse_secrets(raw)
    except SecretError as exc:
        raise SettingsError(name, str(exc)) from None  # the value itself is never echoed


def _worker_id(env: Mapping[str, str]) -> str:
    value = _string(env, "WORKER_ID", "worker-1")
    if not value.replace("-", "").replace("_", "").isalnum() or len(value) > 64:
        raise SettingsError("WORKER_ID", f"must be letters, digits, '-' or '_', got {value!r}")
    return value


def _layout(env: Mapping[str, str]) -> Layout:
    raw = _string(env, "SESSION_LAYOUT", Layout.SHARED.value)
    try:
        return Layout(raw)
    except ValueError:
        raise SettingsError("SESSION_LAYOUT", f"must be 'shared' or 'profile', got {raw!r}") from None

"""A session's proxy: the exit address its browser reaches WhatsApp Web through (one per workspace, or one account's
own), as the backend stores it and as the start command and the heartbeat's leases carry it to the worker.

On the wire it is ``{"server": "http://host:port", "username": "...", "password": "..."}`` (``server`` alone when
the proxy takes no credentials), or absent: a session without a proxy connects directly. The worker gives it to
Playwright as the context's ``proxy``, as it is. A session with a proxy never connects around it.

Chromium cannot send a username and password to a SOCKS5 proxy, so that combination is refused here, where both
sides parse it: the backend when it is saved, the worker when a command carries it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from shared.names import DisconnectReason

SCHEMES = ("http", "https", "socks5")
DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080}
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
HOST_RE = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")
MAX_CREDENTIAL = 255


# Why a session's proxy failed its check before the page opened (``session_disconnected``'s ``reason``).
PROXY_REASONS = frozenset({DisconnectReason.PROXY_UNREACHABLE, DisconnectReason.PROXY_AUTH_FAILED})


class InvalidProxy(ValueError):
    """A proxy that cannot be used; the message says why, for a person."""


@dataclasses.dataclass(frozen=True)
class SessionProxy:
    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = dataclasses.field(default="", repr=False)  # never in a log line or a repr

    @property
    def server(self) -> str:
        """``scheme://host:port``: what Playwright and the page show; never the credentials."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def address(self) -> str:
        """``host:port``, what the timeline and the logs name."""
        return self.server.split("://", 1)[1]

    def to_wire(self) -> dict[str, str]:
        """What the start command and a lease carry."""
        wire = {"server": self.server}
        if self.username:
            wire |= {"username": self.username, "password": self.password}
        return wire

    def for_playwright(self) -> dict[str, str]:
        """The ``proxy`` of ``Browser.new_context`` / ``launch_persistent_context``."""
        return self.to_wire()


def proxy_parse(server: str, *, username: str = "", password: str = "") -> SessionProxy:
    """Check a proxy given as ``scheme://host[:port]`` and optional credentials; InvalidProxy says what is wrong."""
    if not isinstance(server, str) or not server.strip():
        raise InvalidProxy("the proxy must be a URL such as http://proxy.example.com:3128")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidProxy("the username and the password must be strings")
    try:
        parts = urlsplit(server.strip())
        port = parts.port
    except ValueError:
        raise InvalidProxy("the proxy's port must be a number from 1 to 65535") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidProxy(f"the proxy must start with one of {', '.join(s + '://' for s in SCHEMES)}")
    if parts.username is not None or parts.password is not None:
        raise InvalidProxy("put the username and the password in their own fields, not in the URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidProxy("the proxy is a scheme, a host and a port: no path, query or fragment")
    host = parts.hostname or ""
    if not _is_host(host):
        raise InvalidProxy("the proxy needs a host name or an IP address")
    if port == 0:
        raise InvalidProxy("the proxy's port must be a number from 1 to 65535")
    if len(username) > MAX_CREDENTIAL or len(password) > MAX_CREDENTIAL:
        raise InvalidProxy(f"the username and the password are at most {MAX_CREDENTIAL} characters")
    if any(ch in username + password for ch in "\r\n\0"):
        raise InvalidProxy("the username and the password cannot hold line breaks")
    if password and not username:
        raise InvalidProxy("a password needs a username")
    if scheme == "socks5" and username:
        raise InvalidProxy(
            "Chromium cannot send a username and password to a SOCKS5 proxy: use an http:// or https:// proxy "
            "for credentials, or a SOCKS5 proxy that allows this machine's address without them"
        )
    return SessionProxy(scheme, host, port or DEFAULT_PORTS[scheme], username, password)


def proxy_from_wire(value: Any) -> SessionProxy | None:
    """The proxy a command or a lease carries (None when it carries none); InvalidProxy when it is malformed."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"server", "username", "password"}:
        raise InvalidProxy('a proxy is {"server": "scheme://host:port", "username": "...", "password": "..."}')
    return proxy_parse(value.get("server", ""), username=value.get("username", ""), password=value.get("password", ""))


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(HOST_RE.fullmatch(host))
    return True

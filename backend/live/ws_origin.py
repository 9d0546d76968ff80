"""Which WebSocket handshakes may use the browser's session: the origin check (docs/security.md).

A browser always sends ``Origin`` with a WebSocket handshake, and sends the operator's cookie whatever page opened
it; so a page of another origin must be refused, or it would read the workspace's live QR strings. The origin
(scheme, host and port) must be the site's own (the scheme the client reached us with: the connection's, or
``X-Forwarded-Proto`` from a trusted proxy; the ``Host`` it asked for, which must be in ALLOWED_HOSTS) or one of
CSRF_TRUSTED_ORIGINS. A handshake without ``Origin`` does not come from a browser page: it is admitted, with its
cookies removed, so it can only authenticate with an API token (``Authorization: Token``, ws_auth.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from backend.proxies import scope_is_secure

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in, or None when it is not an http(s) origin."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme]


def allowed_origins(scope) -> set[tuple[str, str, int]]:
    allowed = set()
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        scheme, _, netloc = trusted.partition("://")
        if (origin := _origin(scheme, netloc)) is not None:
            allowed.add(origin)
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, settings.ALLOWED_HOSTS):
        own = _origin("https" if scope_is_secure(scope) else "http", host)
        if own is not None:
            allowed.add(own)
    return allowed


class OriginCheck:
    """ASGI middleware in front of the WebSocket stack: refuses a foreign origin, strips cookies without one."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        headers = scope.get("headers") or []
        origin_header = dict(headers).get(b"origin")
        if origin_header is None:
            scope = {**scope, "headers": [(name, value) for name, value in headers if name != b"cookie"]}
            return await self.application(scope, receive, send)
        scheme, _, netloc = origin_header.decode("latin-1").partition("://")
        origin = _origin(scheme, netloc)
        if origin is None or origin not in allowed_origins(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

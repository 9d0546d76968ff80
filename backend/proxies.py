"""Who is really asking: the client's address and scheme, believing a proxy's headers only from a trusted proxy.

Every limit (the webhook's, the API throttles, the login lockout) and the WebSocket origin check ask here. The
peer (``REMOTE_ADDR``, an ASGI scope's ``client``) is the answer unless it is in ``TRUSTED_PROXIES``; then the
proxy's ``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first other address is
the client (``X-Real-IP`` when there is no ``X-Forwarded-For``). A header that is not a list of addresses is
ignored: the peer stays the answer. With ``TRUSTED_PROXIES`` empty (the default) no header is ever believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from django.conf import settings
from django.http import HttpRequest

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NO_ADDRESS = "0.0.0.0"  # a peer that is not an IP address (a UNIX socket, a request made in a test)


def _address(text: str) -> _Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(peer: str) -> bool:
    address = _address(peer)
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def client_address_of(*, peer: str, forwarded_for: str = "", real_ip: str = "") -> str:
    """The client's address, from the peer's and, when the peer is a trusted proxy, the headers it set."""
    if not is_trusted_proxy(peer):
        return peer if _address(peer) is not None else NO_ADDRESS
    if forwarded_for:
        hops = [_address(hop) for hop in forwarded_for.split(",")]
        if None in hops:
            return peer
        for hop in reversed(hops):
            if not is_trusted_proxy(str(hop)):
                return str(hop)
        return str(hops[0])
    forwarded = _address(real_ip) if real_ip else None
    return str(forwarded) if forwarded is not None else peer


def client_address(request: HttpRequest) -> str:
    """The client's address of a Django (or DRF) request."""
    meta = request.META
    return client_address_of(
        peer=meta.get("REMOTE_ADDR", ""),
        forwarded_for=meta.get("HTTP_X_FORWARDED_FOR", ""),
        real_ip=meta.get("HTTP_X_REAL_IP", ""),
    )


def scope_is_secure(scope: Mapping) -> bool:
    """Whether an ASGI connection reached us over TLS: its own scheme, or a trusted proxy's X-Forwarded-Proto."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    client = scope.get("client") or ("", 0)
    if not is_trusted_proxy(client[0]):
        return False
    headers = dict(scope.get("headers") or [])
    return headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip().lower() == "https"


class UntrustedProxyHeadersMiddleware:
    """Drops X-Forwarded-Proto from a peer that is not a trusted proxy, so that SECURE_PROXY_SSL_HEADER (and so
    ``request.is_secure()``, the Secure-cookie and HTTPS-redirect decisions) believes it only from the proxy."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)

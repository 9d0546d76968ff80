"""Whether a session's proxy answers and reaches WhatsApp Web, checked before its page opens: plain asyncio
streams, within PROXY_CHECK_TIMEOUT_S.

- ``http://`` and ``https://`` proxies (TLS to the proxy itself for ``https://``): for an ``http://`` site,
  ``HEAD <the site's absolute URL> HTTP/1.1``; for an ``https://`` site, ``CONNECT host:port HTTP/1.1``; both with
  ``Host`` and, when the proxy has credentials, ``Proxy-Authorization: Basic``. 407 (or 401: some proxies,
  tinyproxy among them, answer wrong credentials so; WhatsApp Web's page itself never asks for them) ->
  PROXY_AUTH_FAILED; a 5xx (the proxy could not reach the site), or a CONNECT answered other than 2xx ->
  PROXY_UNREACHABLE; any other answer: the proxy works.
- ``socks5://``: the greeting offers "no authentication" only (Chromium cannot send credentials to a SOCKS5
  proxy): a proxy that picks no method or one needing credentials -> PROXY_AUTH_FAILED; then CONNECT by name
  (or IP): reply 0 -> it works, any other -> PROXY_UNREACHABLE, with the reply's meaning.
- Refused, reset, not resolved, TLS refused, or no answer in time -> PROXY_UNREACHABLE.

The result's ``detail`` is a sentence for a person naming the proxy's ``address`` (host:port), never its
credentials.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import ipaddress
import ssl
from urllib.parse import urlsplit

from shared.names import DisconnectReason
from shared.proxy import SessionProxy

MAX_STATUS_LINE = 4096
SOCKS_REPLIES = {
    1: "general SOCKS server failure",
    2: "connection not allowed by its rules",
    3: "network unreachable",
    4: "host unreachable",
    5: "connection refused",
    6: "TTL expired",
    7: "command not supported",
    8: "address type not supported",
}


@dataclasses.dataclass(frozen=True)
class ProxyCheck:
    ok: bool
    reason: DisconnectReason | None  # PROXY_UNREACHABLE or PROXY_AUTH_FAILED when not ok
    detail: str  # a sentence naming the proxy's address and what happened; never its credentials


class _Failed(Exception):
    def __init__(self, reason: DisconnectReason, what: str) -> None:
        self.reason = reason
        self.what = what
        super().__init__(what)


def _unreachable(what: str) -> _Failed:
    return _Failed(DisconnectReason.PROXY_UNREACHABLE, what)


def _auth_failed(what: str) -> _Failed:
    return _Failed(DisconnectReason.PROXY_AUTH_FAILED, what)


def _target(url: str) -> tuple[str, str, int]:
    """The site's scheme, host and port."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def check_proxy(proxy: SessionProxy, target_url: str, *, timeout_s: float) -> ProxyCheck:
    """Whether ``proxy`` answers and reaches ``target_url`` (WA_WEB_URL), within ``timeout_s``."""
    scheme, host, port = _target(target_url)
    site = _authority(host, port)
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout_s):
            tls = ssl.create_default_context() if proxy.scheme == "https" else None
            reader, writer = await asyncio.open_connection(
                proxy.host, proxy.port, ssl=tls, server_hostname=proxy.host if tls else None
            )
            if proxy.scheme == "socks5":
                await _socks5(reader, writer, host, port)
            else:
                await _http(reader, writer, proxy, target_url, scheme, site)
    except _Failed as failed:
        return ProxyCheck(False, failed.reason, f"the proxy {proxy.address} {failed.what}")
    except TimeoutError:
        what = f"did not answer within {timeout_s:g} s"
        return ProxyCheck(False, DisconnectReason.PROXY_UNREACHABLE, f"the proxy {proxy.address} {what}")
    except (OSError, asyncio.IncompleteReadError, EOFError) as exc:
        what = _os_error(exc)
        return ProxyCheck(False, DisconnectReason.PROXY_UNREACHABLE, f"the proxy {proxy.address} {what}")
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)
    return ProxyCheck(True, None, f"the proxy {proxy.address} reaches {site}")


def _os_error(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"refused TLS: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "refused the connection (nothing listens there)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | asyncio.IncompleteReadError | EOFError):
        return "closed the connection without an answer"
    if isinstance(exc, OSError) and exc.strerror:
        return f"could not be reached: {exc.strerror}"
    return f"could not be reached: {type(exc).__name__}"


async def _http(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    proxy: SessionProxy,
    target_url: str,
    scheme: str,
    site: str,
) -> None:
    connect = scheme == "https"
    request = f"CONNECT {site} HTTP/1.1" if connect else f"HEAD {target_url} HTTP/1.1"
    headers = [request, f"Host: {site}"]
    if proxy.username:
        token = base64.b64encode(f"{proxy.username}:{proxy.password}".encode()).decode()
        headers.append(f"Proxy-Authorization: Basic {token}")
    headers += ["Connection: close", "", ""]
    writer.write("\r\n".join(headers).encode())
    await writer.drain()
    line = await reader.readline()
    if not line:
        raise _unreachable("closed the connection without an answer")
    parts = line[:MAX_STATUS_LINE].decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise _unreachable("gave no HTTP answer (is it an HTTP proxy?)")
    status = int(parts[1])
    if status in (401, 407):
        what = "refused the credentials" if proxy.username else "asks for credentials, and the session's proxy has none"
        raise _auth_failed(f"{what} ({status})")
    if connect and not 200 <= status < 300:
        raise _unreachable(f"could not open a tunnel to {site} ({status} to CONNECT)")
    if status >= 500:
        raise _unreachable(f"could not reach {site} ({status})")


async def _socks5(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int) -> None:
    writer.write(b"\x05\x01\x00")  # SOCKS5, one method offered: no authentication
    await writer.drain()
    version, method = await reader.readexactly(2)
    if version != 5:
        raise _unreachable("gave no SOCKS5 answer (is it a SOCKS5 proxy?)")
    if method != 0:
        what = "accepts no connection without credentials" if method == 0xFF else f"asks for method {method:#04x}"
        raise _auth_failed(
            f"{what}: it asks for credentials, which Chromium cannot send to a SOCKS5 proxy "
            "(allow this machine's address without them, or use an http:// proxy)"
        )
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        address = b"\x03" + bytes([len(name)]) + name
    else:
        address = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
    writer.write(b"\x05\x01\x00" + address + port.to_bytes(2, "big"))
    await writer.drain()
    version, reply, _reserved, _type = await reader.readexactly(4)
    if version != 5:
        raise _unreachable("gave no SOCKS5 answer to CONNECT")
    if reply != 0:
        meaning = SOCKS_REPLIES.get(reply, f"reply {reply}")
        raise _unreachable(f"could not reach {_authority(host, port)}: {meaning} (SOCKS5 reply {reply})")

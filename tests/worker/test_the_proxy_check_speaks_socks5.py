"""The check of a ``socks5://`` proxy (session_worker/proxy_check.py) against a stand-in SOCKS5 server: it offers
no authentication only (Chromium cannot send credentials to a SOCKS5 proxy), then CONNECTs by name; a server
that accepts passes, one that demands credentials is PROXY_AUTH_FAILED, one whose CONNECT fails is
PROXY_UNREACHABLE with the reply's meaning."""

import asyncio
import contextlib

from session_worker.proxy_check import check_proxy
from shared.names import DisconnectReason
from shared.proxy import proxy_parse

TIMEOUT_S = 20.0


@contextlib.asynccontextmanager
async def socks5_server(*, method: int = 0, reply: int = 0):
    """A SOCKS5 server that picks ``method`` and answers CONNECT with ``reply``; it records each CONNECT's target."""
    seen: list[tuple[int, bytes, int]] = []  # (address type, address, port)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _version, count = await reader.readexactly(2)
            await reader.readexactly(count)
            writer.write(bytes([5, method]))
            if method != 0:
                return
            _version, _command, _reserved, kind = await reader.readexactly(4)
            size = {1: 4, 4: 16}.get(kind) or (await reader.readexactly(1))[0]
            address = await reader.readexactly(size)
            port = int.from_bytes(await reader.readexactly(2), "big")
            seen.append((kind, address, port))
            writer.write(bytes([5, reply, 0, 1, 127, 0, 0, 1, 0, 80]))
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield proxy_parse(f"socks5://127.0.0.1:{port}"), seen
    finally:
        server.close()
        await server.wait_closed()


async def test_a_socks5_proxy_that_needs_no_credentials_passes_and_is_asked_by_name():
    async with socks5_server() as (proxy, seen):
        result = await check_proxy(proxy, "https://web.whatsapp.com/", timeout_s=TIMEOUT_S)

    assert result.ok, result
    assert seen == [(3, b"web.whatsapp.com", 443)]


async def test_an_ip_target_is_asked_by_address():
    async with socks5_server() as (proxy, seen):
        result = await check_proxy(proxy, "http://127.0.0.1:8002/", timeout_s=TIMEOUT_S)

    assert result.ok, result
    assert seen == [(1, bytes([127, 0, 0, 1]), 8002)]


async def test_a_socks5_proxy_that_demands_credentials_is_an_auth_failure():
    async with socks5_server(method=0xFF) as (proxy, _seen):
        result = await check_proxy(proxy, "https://web.whatsapp.com/", timeout_s=TIMEOUT_S)

    assert (result.ok, result.reason) == (False, DisconnectReason.PROXY_AUTH_FAILED)
    assert proxy.address in result.detail and "Chromium cannot send" in result.detail


async def test_a_failed_connect_is_unreachable_with_the_replys_meaning():
    async with socks5_server(reply=4) as (proxy, _seen):
        result = await check_proxy(proxy, "https://web.whatsapp.com/", timeout_s=TIMEOUT_S)

    assert (result.ok, result.reason) == (False, DisconnectReason.PROXY_UNREACHABLE)
    assert "host unreachable" in result.detail and "web.whatsapp.com:443" in result.detail

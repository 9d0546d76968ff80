"""A page that goes away while its socket's handshake is being written (closed, or navigating: frequent when many
pages log out and reload at once) is dropped quietly: the simulator logs no error. A ConnectionResetError from
aiohttp's handshake write, with the 101's writer already made, is what the 200-flows test met twice under load
(first the reset itself, then aiohttp closing the half-prepared socket raised "Call .prepare() first")."""

from __future__ import annotations

import contextlib
import logging

import aiohttp
from aiohttp import web


async def test_a_handshake_cut_short_logs_no_error(sim, monkeypatch, caplog):
    prepare, ws_prepare = web.StreamResponse.prepare, web.WebSocketResponse.prepare

    async def reset_while_writing_the_101(self, request):
        if self._payload_writer is not None:  # aiohttp finishing the response: what it really does
            return await ws_prepare(self, request)
        self._pre_start(request)  # the handshake's headers, as WebSocketResponse.prepare makes them
        await prepare(self, request)  # its writer is made; then the page's connection goes
        request.transport.abort()
        raise ConnectionResetError("Cannot write to closing transport")

    with caplog.at_level(logging.INFO):
        async with aiohttp.ClientSession() as http:
            with monkeypatch.context() as patch:
                patch.setattr(web.WebSocketResponse, "prepare", reset_while_writing_the_101)
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):  # the cut connection's client side
                    async with http.ws_connect(sim.url.replace("http", "ws", 1) + "/ws") as ws:
                        await ws.receive(timeout=5)
            async with http.get(sim.url + "/") as page:  # the simulator still serves
                assert page.status == 200
    assert "page socket closed during its handshake" in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

"""A workspace WebSocket that the server is closing sends nothing more: frames queued behind the one that
closed it (a page's pings behind a garbage frame) are dropped, not answered on the closing socket, where
daphne would raise and log an ERROR with a traceback (seen once in a CI rehearsal, after the garbage-frame
test). Live daphne, Redis channel layer."""

from __future__ import annotations

import socket as sockets

import aiohttp

from tests.harness.waiting import wait_until_async

PINGS = 20


async def test_pings_behind_a_garbage_frame_are_dropped_without_an_error(live_stack):
    mona = live_stack.make_people({"mona": "Mona's shop"})["mona"]
    backend = live_stack.processes["backend"]
    log_start = len(backend.log())
    async with aiohttp.ClientSession() as http:
        # autoclose off: the client holds back its answer to the server's close, so the socket stays closing
        # while the consumer goes through the pings queued behind the garbage.
        socket = await live_stack.open_workspace_socket(http, mona.workspace_id, token=mona.token, autoclose=False)
        assert (await socket.receive_json(timeout=30))["type"] == "hello"
        # Corked, the frames leave in one TCP segment and daphne queues them all for the consumer at once, so
        # that pings wait behind the garbage as they do on a busy machine.
        connection = socket.get_extra_info("socket")
        connection.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_CORK, 1)
        for frame in [{"type": "ping"}] * PINGS + ["not json"] + [{"type": "ping"}] * PINGS:
            await (socket.send_json(frame) if isinstance(frame, dict) else socket.send_str(frame))
        connection.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_CORK, 0)
        while (message := await socket.receive(timeout=30)).type == aiohttp.WSMsgType.TEXT:
            assert message.json() == {"type": "pong"}
        assert message.type == aiohttp.WSMsgType.CLOSE, message
        assert message.data == 4400, message
        # The client does not answer the close: the server's side stays closing, with the pings queued behind the
        # garbage to go through, until its close handshake times out and daphne drops the connection.
        port = socket.get_extra_info("sockname")[1]
        disconnected = f":{port} - - ["

        def its_disconnect_logged() -> bool:
            lines = backend.log()[log_start:].splitlines()
            return any(disconnected in line and '"WSDISCONNECT ' in line for line in lines)

        await wait_until_async(its_disconnect_logged, within=60, what="the socket's WSDISCONNECT in daphne's log")
        await socket.close()
        # A second socket's round trip: the first consumer's queue (pings, then its disconnect) is long done.
        second = await live_stack.open_workspace_socket(http, mona.workspace_id, token=mona.token)
        assert (await second.receive_json(timeout=30))["type"] == "hello"
        await second.send_json({"type": "ping"})
        assert await second.receive_json(timeout=30) == {"type": "pong"}
        await second.close()
    assert live_stack.error_lines_in(backend.log()[log_start:]) == []

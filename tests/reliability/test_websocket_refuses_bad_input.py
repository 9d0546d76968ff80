"""The live workspace WebSocket (daphne, Redis channel layer) refuses strangers with a close code that says
why, and survives garbage frames: it answers them with a clear close code or ignores them, and keeps
serving its members; the backend logs no error."""

from __future__ import annotations

import aiohttp
import pytest

BAD_FRAMES = {
    "not json": ("text", "hello, backend"),
    "json array": ("text", "[1, 2, 3]"),
    "json string": ("text", '"ping"'),
    "unknown type": ("text", '{"type": "drop_tables"}'),
    "deeply nested": ("text", "[" * 100_000 + "]" * 100_000),
    "huge": ("text", '{"type": "ping", "pad": "' + "x" * 500_000 + '"}'),
    "binary": ("bytes", b"\x00\xff\xfe garbage"),
}


@pytest.fixture(scope="module")
def people(live_stack):
    return live_stack.make_people({"hana": "Hana's shop", "ivan": "Ivan's shop"})


async def open_socket(stack, workspace_id, *, token: str | None = None, origin: str | None = None):
    http = aiohttp.ClientSession()
    try:
        socket = await stack.open_workspace_socket(http, workspace_id, token=token, origin=origin)
    except BaseException:
        await http.close()
        raise
    return http, socket


async def close_code(stack, workspace_id, **kwargs) -> int | None:
    http, socket = await open_socket(stack, workspace_id, **kwargs)
    try:
        message = await socket.receive(timeout=10)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
        return socket.close_code
    finally:
        await socket.close()
        await http.close()


async def test_strangers_are_closed_with_a_code_that_says_why(live_stack, people):
    hana, ivan = people["hana"], people["ivan"]
    assert await close_code(live_stack, hana.workspace_id) == 4401
    assert await close_code(live_stack, hana.workspace_id, token="not-a-token") == 4401
    assert await close_code(live_stack, hana.workspace_id, token=ivan.token) == 4403
    assert await close_code(live_stack, 999_999, token=hana.token) == 4404


async def test_a_foreign_origin_or_a_bad_path_is_refused_at_the_handshake(live_stack, people):
    hana = people["hana"]
    for workspace_id, origin in [(hana.workspace_id, "http://evil.example"), ("abc", None), ("-1", None)]:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await close_code(live_stack, workspace_id, token=hana.token, origin=origin)
        assert 400 <= refused.value.status < 500


@pytest.mark.parametrize("frame", sorted(BAD_FRAMES))
async def test_a_garbage_frame_is_ignored_or_closed_cleanly(live_stack, people, frame):
    hana = people["hana"]
    log_start = len(live_stack.processes["backend"].log())
    http, socket = await open_socket(live_stack, hana.workspace_id, token=hana.token)
    try:
        assert (await socket.receive_json(timeout=10))["type"] == "hello"
        kind, payload = BAD_FRAMES[frame]
        await (socket.send_str(payload) if kind == "text" else socket.send_bytes(payload))
        await socket.send_json({"type": "ping"})
        message = await socket.receive(timeout=10)
        if message.type == aiohttp.WSMsgType.TEXT:
            assert message.json() == {"type": "pong"}  # ignored, and the socket still serves
        else:
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert socket.close_code in (4400, 4415, 1009), socket.close_code  # a clear refusal, not 1011
    finally:
        await socket.close()
        await http.close()
    assert live_stack.error_lines_in(live_stack.processes["backend"].log()[log_start:]) == []

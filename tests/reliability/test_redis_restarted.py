"""Redis restarted (its data lost: channel groups, the Celery queue, the rate-limit counters) under the
live stack: the backend, Celery and the worker go on without a restart of their own; a Connect made after it
reaches the worker through Celery; the page's WebSocket is either still served or closed (so that the page
reconnects), never left open and deaf (a socket whose groups Redis lost is closed within
WEBSOCKET_MEMBERSHIP_CHECK_S); a socket opened again gets the broadcasts, and the API shows the
current state to catch up with.

The stack runs on a Redis server of its own (tests/reliability/private_services.py)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.harness.waiting import wait_until_async
from tests.reliability.conftest import running
from tests.reliability.private_services import private_redis
from tests.reliability.stack import ReliabilityStack

# A private server restarted: never at the same time as the other such test (xdist group).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("private-services")]

REFUSED_SOCKETS: list[int | None] = []  # close codes of the sockets the backend closed before its hello


@pytest.fixture(scope="module")
def redis_server():
    with private_redis() as server:
        yield server


@pytest.fixture(scope="module")
def stack(redis_server, tmp_path_factory):
    live = ReliabilityStack(tmp_path_factory.mktemp("redis-restart-stack"))
    live.redis_url = redis_server.url
    with running(live, "test_redis_restarted") as started:
        yield started


class Socket:
    def __init__(self, stack, workspace_id: int, token: str) -> None:
        self.url = f"{stack.backend_url}/ws/workspaces/{workspace_id}/"
        self.headers = {"Origin": stack.backend_url, "Authorization": f"Token {token}"}

    async def __aenter__(self) -> Socket:
        """Open and wait for the hello; like the page, open again (up to 3 times) if the server closes it."""
        self.http = aiohttp.ClientSession()
        self.refused = 0
        for _ in range(3):
            self.ws = await self.http.ws_connect(self.url, headers=self.headers)
            message = await self.ws.receive(timeout=10)
            if message.type == aiohttp.WSMsgType.TEXT:
                assert message.json()["type"] == "hello"
                return self
            self.refused += 1
            REFUSED_SOCKETS.append(self.ws.close_code)
            await asyncio.sleep(0.5)
        raise AssertionError(f"the WebSocket was closed {self.refused} times in a row")

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()
        await self.http.close()

    async def next_for(self, account_id: int, status: str, *, within: float = 30) -> dict | None:
        """The next message saying the account has ``status``; None if the socket was closed first."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            # Bounded from outside: aiohttp's own receive timeout starts again at each of daphne's pings.
            try:
                message = await asyncio.wait_for(self.ws.receive(), deadline - time.monotonic())
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.TEXT:
                return None
            account = message.json().get("account") or {}
            if account.get("id") == account_id and account.get("status") == status:
                return account
        raise TimeoutError(f"no message for account {account_id} {status}")


async def test_broadcasts_resume_after_a_redis_restart(stack, redis_server):
    mona = (await asyncio.to_thread(stack.make_people, {"mona": "Mona's shop"}))["mona"]
    token, workspace_id = mona.token, mona.workspace_id
    pids = {name: process.popen.pid for name, process in stack.processes.items()}

    async with Socket(stack, workspace_id, token) as before:
        first = await asyncio.to_thread(stack.connect, workspace_id=workspace_id, token=token)
        assert await before.next_for(first["id"], "qr_scanning")

        await asyncio.to_thread(redis_server.stop)
        await asyncio.to_thread(redis_server.start)  # empty: groups, queues and counters are gone

        qr = await asyncio.to_thread(stack.wait_qr, first["id"], token=token)
        await asyncio.to_thread(stack.scan, qr, phone_number="4915123400401")
        # The socket opened before the restart: served, or closed so that the page reconnects.
        seen = await before.next_for(first["id"], "connected")
        assert seen is None or seen["phone_number"] == "4915123400401"

    async with Socket(stack, workspace_id, token) as after:  # the page reconnects, and catches up by the API

        async def connected() -> dict | None:  # the ready event may still be on its way (its delivery is retried)
            account = await asyncio.to_thread(stack.account, first["id"], token=token)
            return account if account["status"] == "connected" else None

        caught_up = await wait_until_async(connected, within=30, what="the first account connected", every=0.3)
        assert caught_up["is_primary"]
        second = await asyncio.to_thread(stack.connect, workspace_id=workspace_id, token=token)  # through Celery
        assert await after.next_for(second["id"], "qr_scanning")
        qr = await asyncio.to_thread(stack.wait_qr, second["id"], token=token)
        await asyncio.to_thread(stack.scan, qr, phone_number="4915123400402")
        live = await after.next_for(second["id"], "connected")
        assert live is not None and live["phone_number"] == "4915123400402"

    assert {name: process.popen.pid for name, process in stack.processes.items()} == pids


def test_no_socket_is_refused_after_the_restart():
    assert REFUSED_SOCKETS == []

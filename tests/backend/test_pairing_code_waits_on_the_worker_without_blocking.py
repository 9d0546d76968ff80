"""A pairing-code request waiting on a slow worker holds up no other request: two at once, on daphne, both
reach the worker before either is answered, even with a database pool of one connection.

Under daphne each request runs its sync code on a thread of its own, so what a waiting request could hold
from the others is a database connection: the pool lends DATABASE_POOL_MAX of them, for DATABASE_POOL_TIMEOUT_S
at most. With a pool of one, a request that kept its connection while the worker took its time would make the
second wait for the first's answer. The worker here holds each answer until both requests are in, or for
SLOW_WORKER_S: the order in which it sees them is the proof, not the time the test takes.
"""

import asyncio
import contextlib
import os
import secrets

import aiohttp
import pytest
from aiohttp import web
from django.db import connection
from rest_framework.authtoken.models import Token

from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import backend_public_keys
from shared import identity
from shared.signing import VerificationError
from tests.backend.testkit import make_account
from tests.harness.livestack import BIN, Process, free_port

pytestmark = pytest.mark.django_db(transaction=True)  # daphne, another process, must see the rows

SLOW_WORKER_S = 3.0


class SlowWorker:
    """The worker's pairing-code endpoint (signed requests only), recording each arrival and each answer."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.seen: list[tuple[str, str]] = []  # ("arrived" | "answered", session id), in order
        self.both_in = asyncio.Event()

    async def pairing_code(self, request: web.Request) -> web.Response:
        try:
            content = identity.command_content(self.worker_id, request.method, request.raw_path, await request.read())
            identity.verify(backend_public_keys(), request.headers, content)
        except VerificationError as exc:
            return web.json_response({"error": exc.reason.value}, status=401)
        session_id = request.match_info["session_id"]
        self.seen.append(("arrived", session_id))
        if [kind for kind, _ in self.seen].count("arrived") == 2:
            self.both_in.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.both_in.wait(), SLOW_WORKER_S)
        self.seen.append(("answered", session_id))
        return web.json_response({"code": f"CODE{len(self.seen)}"})


@pytest.fixture
def daphne(tmp_path):
    """The backend on daphne, on this test's database, with a pool of one connection."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DJANGO_DEBUG": "True",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "DATABASE_POOL_MIN": "1",
            "DATABASE_POOL_MAX": "1",
            "REDIS_KEY_PREFIX": f"test-{secrets.token_hex(6)}",
        }
    )
    port = free_port()
    argv = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "backend.asgi:application"]
    process = Process("backend", argv, env, tmp_path / "daphne.log", ready_url=f"http://127.0.0.1:{port}/healthz")
    process.start()
    yield f"http://127.0.0.1:{port}"
    process.stop()


@pytest.fixture
def two_waiting_accounts(workspace, member, unused_tcp_port):
    """Two accounts waiting for a scan on the worker at ``unused_tcp_port``, and a member's API token."""
    node = WorkerNode.objects.create(id="slow", base_url=f"http://127.0.0.1:{unused_tcp_port}", capacity=5)
    first, second = make_account(workspace, worker=node), make_account(workspace, worker=node)
    return first, second, Token.objects.create(user=member).key


async def test_a_second_request_reaches_the_worker_before_the_first_is_answered(
    daphne, two_waiting_accounts, unused_tcp_port, aiohttp_server
):
    first, second, token = two_waiting_accounts
    worker = SlowWorker("slow")
    app = web.Application()
    app.router.add_post("/sessions/{session_id}/pairing-code", worker.pairing_code)
    await aiohttp_server(app, port=unused_tcp_port)

    async with aiohttp.ClientSession(headers={"Authorization": f"Token {token}"}) as http:

        async def ask_for_a_code(account) -> tuple[int, dict]:
            url = f"{daphne}/api/v1/accounts/{account.pk}/pairing-code"
            async with http.post(url, json={"phone_number": "6281234567890"}) as response:
                return response.status, await response.json()

        answers = await asyncio.gather(ask_for_a_code(first), ask_for_a_code(second))

    assert [status for status, _ in answers] == [200, 200], answers
    assert [kind for kind, _ in worker.seen] == ["arrived", "arrived", "answered", "answered"]
    assert {session_id for _, session_id in worker.seen} == {first.session_id, second.session_id}

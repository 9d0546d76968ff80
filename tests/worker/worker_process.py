"""A session worker as its own process (``python -m session_worker``), as supervisord runs it: for what only a
real process shows (signals to its whole process group, ``kill -9``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp

from tests.harness.receiver import WebhookReceiver
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import command_headers, free_socket, worker_keys

ROOT = Path(__file__).resolve().parents[2]


def worker_env(*, receiver: WebhookReceiver, sim_url: str, data_dir: Path, worker_id: str) -> dict[str, str]:
    """The environment of a worker process against ``receiver`` (its key registered there) and the simulator."""
    keys = worker_keys(worker_id)
    receiver.register(worker_id, keys.public)
    return {
        "BACKEND_WEBHOOK_URL": receiver.url,
        "WORKER_SIGNING_KEY": keys.private,
        "BACKEND_PUBLIC_KEYS": receiver.backend.public,
        "WA_WEB_URL": sim_url + "/",
        "SESSION_DATA_DIR": str(data_dir),
        "WORKER_ID": worker_id,
        "WEBHOOK_RETRY_BASE_S": "0.05",
        "WEBHOOK_RETRY_MAX_S": "0.5",
    }


class WorkerProcess:
    def __init__(self, *, env: dict[str, str], log_path: Path, receiver: WebhookReceiver) -> None:
        self.env = env
        self.log_path = log_path
        self.receiver = receiver
        self.process: subprocess.Popen | None = None
        self.url = ""

    async def start(self) -> None:
        sock = free_socket()
        port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items() if key != "WHATSAPP_HMAC_SECRET"}
        env.update({**self.env, "WORKER_PORT": str(port)})
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "session_worker"], cwd=ROOT, env=env, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                assert self.process.poll() is None, self.log_path.read_text()[-3000:]
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(self.url + "/health") as response:
                        return response.status == 200
                return False

            await wait_until_async(healthy, within=20)

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict]:
        """A command signed by the receiver's (the backend's) key for this worker."""
        headers = command_headers(self.receiver, self.env["WORKER_ID"], method, path, body)
        async with aiohttp.ClientSession() as http:
            async with http.request(method, self.url + path, data=body, headers=headers) as response:
                return response.status, await response.json()

    async def kill_group(self, sig: int = signal.SIGKILL) -> int:
        """``sig`` to the worker's whole process group (the worker, Playwright's driver), as supervisord's
        ``stopasgroup``/``killasgroup`` or Ctrl-C in a terminal do; its exit code."""
        assert self.process is not None
        os.killpg(self.process.pid, sig)
        return await asyncio.to_thread(self.process.wait, 20)

    async def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await asyncio.to_thread(self.process.wait, 10)


@contextlib.asynccontextmanager
async def worker_processes(
    *, receiver: WebhookReceiver, sim_url: str, directory: Path, worker_id: str, **env: str
) -> AsyncIterator[Callable[[], Awaitable[WorkerProcess]]]:
    """``start()`` runs the worker ``worker_id`` again (one data directory, one log; ``env`` added), each a new
    process; all are killed on exit."""
    environment = worker_env(receiver=receiver, sim_url=sim_url, data_dir=directory / "worker", worker_id=worker_id)
    environment.update(env)
    started: list[WorkerProcess] = []

    async def start() -> WorkerProcess:
        worker = WorkerProcess(env=environment, log_path=directory / "worker.log", receiver=receiver)
        started.append(worker)
        await worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            await worker.terminate()

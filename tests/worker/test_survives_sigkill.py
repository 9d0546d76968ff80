"""``kill -9`` of the worker's whole process group (worker, Playwright's driver, Chromium) loses nothing:
the default layout restores the linked session without a QR, and events still in the outbox are delivered."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from shared.signing import sign_request
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import free_socket, session_id

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, *, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.url = ""

    async def start(self) -> None:
        sock = free_socket()
        port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, **self.env, "WORKER_PORT": str(port)}
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
        headers = sign_request([self.env["WHATSAPP_HMAC_SECRET"]], method, path, body)
        async with aiohttp.ClientSession() as http:
            async with http.request(method, self.url + path, data=body, headers=headers) as response:
                return response.status, await response.json()

    async def kill_group(self, sig: int = signal.SIGKILL) -> int:
        assert self.process is not None
        os.killpg(self.process.pid, sig)
        return await asyncio.to_thread(self.process.wait, 20)

    async def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await asyncio.to_thread(self.process.wait, 10)


@pytest.fixture
async def worker_process(receiver, sim, tmp_path):
    env = {
        "BACKEND_WEBHOOK_URL": receiver.url,
        "WHATSAPP_HMAC_SECRET": receiver.secret,
        "WA_WEB_URL": sim.url + "/",
        "SESSION_DATA_DIR": str(tmp_path / "worker"),
        "WORKER_ID": "worker-kill",
        "WEBHOOK_RETRY_BASE_S": "0.05",
        "WEBHOOK_RETRY_MAX_S": "0.5",
    }
    started: list[WorkerProcess] = []

    async def start() -> WorkerProcess:
        worker = WorkerProcess(env=env, log_path=tmp_path / "worker.log")
        started.append(worker)
        await worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            await worker.terminate()


async def _link(worker: WorkerProcess, sim, receiver, sid: str, phone_number: str) -> None:
    status, _ = await worker.call("POST", "/sessions", f'{{"session_id": "{sid}", "workspace_id": "1"}}'.encode())
    assert status == 201
    # Scan the QR the worker reported (the one the backend would show), as a person would: not the one the
    # simulator lists, which a scan could take before the worker has read it.
    qr = (await receiver.wait_for_type(sid, "qr_code_generated")).data["qr"]
    await sim.scan(qr, phone_number=phone_number)

    async def ready() -> bool:
        return (await worker.call("GET", f"/sessions/{sid}"))[1]["state"] == "READY"

    await wait_until_async(ready, within=20)


async def test_a_linked_session_survives_kill_9_of_the_whole_worker(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    await _link(worker, sim, receiver, sid, "5511999990010")
    first_ready = await receiver.wait_for_type(sid, "session_ready")

    await worker.kill_group()  # at once, while Chromium may not have flushed anything
    await worker_process()

    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > first_ready.sequence, within=30
    )
    assert restored.data["phone_number"] == "5511999990010"
    assert len(receiver.of(sid, "qr_code_generated")) == 1


async def test_sigterm_to_the_whole_group_stops_cleanly_and_keeps_the_session(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    await _link(worker, sim, receiver, sid, "5511999990016")
    first_ready = await receiver.wait_for_type(sid, "session_ready")

    returncode = await worker.kill_group(signal.SIGTERM)  # as supervisord's stopasgroup does: the driver too

    assert returncode == 0
    await worker_process()
    restored = await receiver.wait_for(
        lambda e: e.session_id == sid and e.type == "session_ready" and e.sequence > first_ready.sequence, within=30
    )
    assert restored.data["phone_number"] == "5511999990016"
    assert len(receiver.of(sid, "qr_code_generated")) == 1


async def test_events_in_the_outbox_survive_kill_9(worker_process, receiver, sim):
    worker = await worker_process()
    sid = session_id()
    receiver.fail_with = 503
    receiver.fail_when = lambda event: event.session_id == sid and event.type == "session_ready"
    await _link(worker, sim, receiver, sid, "5511999990011")
    await wait_until_async(lambda: receiver.refused)

    await worker.kill_group()
    receiver.fail_with = None
    await worker_process()

    await wait_until_async(lambda: len(receiver.of(sid, "session_ready")) >= 2, within=30)
    ready = receiver.of(sid, "session_ready")
    assert ready[0].id == receiver.refused[0].id  # the very event that was queued before the kill
    assert ready[0].sequence < ready[1].sequence
    sequences = [e.sequence for e in receiver.of(sid)]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)

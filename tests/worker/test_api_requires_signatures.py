"""Every session call must be signed by the backend's command key over this worker's id, its method, path and
body (401 otherwise); health and metrics are open."""

import json

from shared import identity
from tests.worker.conftest import command_headers


async def test_an_unsigned_call_is_refused_with_the_reason(start_worker):
    worker = await start_worker()

    async with worker.http.get(worker.url + "/sessions") as response:
        assert response.status == 401
        assert (await response.json())["error"] == "missing header"


async def test_a_call_signed_with_another_key_is_refused(start_worker):
    worker = await start_worker()
    headers = identity.sign_command(identity.new_key_pair().private, worker.settings.worker_id, "GET", "/sessions", b"")

    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "bad signature"


async def test_a_signature_for_another_path_or_body_is_refused(start_worker, receiver):
    worker = await start_worker()
    worker_id = worker.settings.worker_id
    body = json.dumps({"session_id": "wa_x", "workspace_id": "1"}).encode()
    headers = command_headers(receiver, worker_id, "POST", "/sessions", body)

    async with worker.http.post(worker.url + "/sessions", data=body + b" ", headers=headers) as response:
        assert response.status == 401
    headers = command_headers(receiver, worker_id, "GET", "/sessions/other", b"")
    async with worker.http.get(worker.url + "/sessions/wa_x", headers=headers) as response:
        assert response.status == 401


async def test_a_replayed_call_is_refused(start_worker, receiver):
    worker = await start_worker()
    headers = command_headers(receiver, worker.settings.worker_id, "GET", "/sessions", b"")

    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 200
    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "replayed request"


async def test_health_and_metrics_are_open(start_worker):
    worker = await start_worker()

    async with worker.http.get(worker.url + "/health") as response:
        assert response.status == 200
        health = await response.json()
        assert (health["ready"], health["cause"], health["backend_refusal"]) == (True, None, None)
    async with worker.http.get(worker.url + "/metrics") as response:
        text = await response.text()
    for name in ("wa_worker_sessions", "wa_worker_qr_latency_seconds", "wa_worker_scan_to_ready_seconds",
                 "wa_worker_webhook_deliveries", "wa_worker_webhook_retries", "wa_worker_outbox_depth"):  # fmt: skip
        assert name in text

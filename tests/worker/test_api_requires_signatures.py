"""Every session call must be signed with the shared secret over its method, path and body (401 otherwise);
health and metrics are open."""

import json

from shared.signing import new_secret, sign_request


async def test_an_unsigned_call_is_refused_with_the_reason(start_worker):
    worker = await start_worker()

    async with worker.http.get(worker.url + "/sessions") as response:
        assert response.status == 401
        assert (await response.json())["error"] == "missing header"


async def test_a_call_signed_with_another_secret_is_refused(start_worker):
    worker = await start_worker()
    headers = sign_request([new_secret()], "GET", "/sessions")

    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "bad signature"


async def test_a_signature_for_another_path_or_body_is_refused(start_worker):
    worker = await start_worker()
    body = json.dumps({"session_id": "wa_x", "workspace_id": "1"}).encode()
    headers = sign_request(worker.settings.hmac_secrets, "POST", "/sessions", body)

    async with worker.http.post(worker.url + "/sessions", data=body + b" ", headers=headers) as response:
        assert response.status == 401
    headers = sign_request(worker.settings.hmac_secrets, "GET", "/sessions/other")
    async with worker.http.get(worker.url + "/sessions/wa_x", headers=headers) as response:
        assert response.status == 401


async def test_a_replayed_call_is_refused(start_worker):
    worker = await start_worker()
    headers = sign_request(worker.settings.hmac_secrets, "GET", "/sessions")

    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 200
    async with worker.http.get(worker.url + "/sessions", headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "replayed request"


async def test_health_and_metrics_are_open(start_worker):
    worker = await start_worker()

    async with worker.http.get(worker.url + "/health") as response:
        assert response.status == 200
        assert (await response.json())["ready"] is True
    async with worker.http.get(worker.url + "/metrics") as response:
        text = await response.text()
    for name in ("wa_worker_sessions", "wa_worker_qr_latency_seconds", "wa_worker_scan_to_ready_seconds",
                 "wa_worker_webhook_deliveries", "wa_worker_webhook_retries", "wa_worker_outbox_depth"):  # fmt: skip
        assert name in text

"""POST /api/v1/whatsapp/webhook: the session workers' events (Standard Webhooks, docs/contracts.md).

Each worker signs with its own key (``v1a``) and names itself (``x-worker-id``): the request is authenticated as
that registered, unrevoked worker (backend/fleet/services/identities.py), and then authorized event by event: the
event must name that worker, and a session event must be for a session whose lease that worker holds (receive.py).
Two limits, so that nobody's flood delays a real worker (docs/security.md):
- an *unauthenticated* request (bad size, missing or wrong signature, unknown or revoked worker) counts against its
  client's address (``backend.proxies.client_address``: the real one behind a trusted proxy); over
  WEBHOOK_UNVERIFIED_RATE the address gets 429 + Retry-After instead of 401, until its window ends. An authenticated
  request never counts there, so unsigned requests from a worker's own host cannot make that worker's events wait;
- an *authenticated* request counts against its worker, at WEBHOOK_WORKER_RATE (far higher): one worker's flood
  never spends another's.
Checks, cheapest first: declared size (413), read at most the limit (413), the worker's signature over the raw bytes
(401 + reason + the backend's time), envelope and payload (400 + field), the worker's rate (429). Then the event goes
to the inbox and is applied (receive.py); a repeated event id answers 200 unapplied, an event that is not the
worker's to send 403 (``worker_mismatch``, ``not_lease_holder``) or 409 (``stale_epoch``), a heartbeat 200 with the
leases its worker holds.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend import ratelimit
from backend.fleet.services.identities import NotAuthenticated, worker_authenticate
from backend.inbox import receive
from backend.metrics import counters
from backend.proxies import client_address
from backend.refusals import error, rate_limited, unverified
from shared.events import MAX_BODY_BYTES, EventValidationError, parse_event
from shared.signing import HEADER_ID


@csrf_exempt
@require_POST
def whatsapp_webhook(request: HttpRequest) -> JsonResponse:
    address = client_address(request)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        return unverified(address, 400, "bad request", "Content-Length must be a number")
    too_large = f"the limit is {MAX_BODY_BYTES} bytes"
    if int(declared) > MAX_BODY_BYTES:
        return unverified(address, 413, "payload too large", too_large)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return unverified(address, 413, "payload too large", too_large)
    try:
        worker = worker_authenticate(headers=request.headers, content=body)
    except NotAuthenticated as exc:
        return unverified(address, 401, exc.reason, exc.detail, worker_id=exc.worker_id)

    try:
        event = parse_event(body)
    except EventValidationError as exc:
        counters.refused(endpoint="webhook", reason="invalid_event")
        return error(400, "invalid event", field=exc.field, detail=exc.message)
    if event.id != request.headers.get(HEADER_ID):
        counters.refused(endpoint="webhook", reason="invalid_event")
        return error(400, "invalid event", field="id", detail=f"must equal the {HEADER_ID} header")
    retry_after = ratelimit.hit(scope="webhook-worker", key=worker.id, rate=settings.WEBHOOK_WORKER_RATE)
    if retry_after is not None:
        counters.refused(endpoint="webhook", reason="rate_limited")
        return rate_limited(retry_after, f"over {settings.WEBHOOK_WORKER_RATE} events of worker {worker.id}")
    try:
        receipt = receive.receive(event, worker_id=worker.id)
    except receive.Refused as refused:
        return JsonResponse(refused.body(), status=refused.status)
    return JsonResponse(receipt.body(), status=receipt.status_code)

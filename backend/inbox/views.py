"""POST /api/v1/whatsapp/webhook: the session workers' events (Standard Webhooks, docs/contracts.md).

Two limits, so that nobody's flood delays a real worker (docs/security.md):
- an *unverified* request (bad size, missing or wrong signature) counts against its client's address
  (``backend.proxies.client_address``: the real one behind a trusted proxy); over WEBHOOK_UNVERIFIED_RATE the
  address gets 429 + Retry-After instead of 401, until its window ends. A verified request never counts there,
  so unsigned requests from a worker's own host cannot make that worker's events wait;
- a *verified* request counts against the event's ``worker_id``, at WEBHOOK_WORKER_RATE (far higher).
Checks, cheapest first: declared size (413), read at most the limit (413), signature over the raw bytes (401 +
reason), envelope and payload (400 + field), the worker's rate (429). Then the event goes to the inbox and is
applied (receive.py); a repeated event id answers 200 unapplied, an event from a lease the session no
longer has 409 ``stale_epoch``, a heartbeat 200 with the leases its worker holds.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend import ratelimit
from backend.inbox import receive
from backend.proxies import client_address
from backend.refusals import error, rate_limited, unverified
from shared.events import MAX_BODY_BYTES, EventValidationError, parse_event
from shared.signing import HEADER_ID, VerificationError, verify


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
        verify(settings.WHATSAPP_HMAC_SECRETS, request.headers, body)
    except VerificationError as exc:
        return unverified(address, 401, exc.reason.value, exc.detail)

    try:
        event = parse_event(body)
    except EventValidationError as exc:
        return error(400, "invalid event", field=exc.field, detail=exc.message)
    if event.id != request.headers.get(HEADER_ID):
        return error(400, "invalid event", field="id", detail=f"must equal the {HEADER_ID} header")
    retry_after = ratelimit.hit(scope="webhook-worker", key=event.worker_id, rate=settings.WEBHOOK_WORKER_RATE)
    if retry_after is not None:
        return rate_limited(retry_after, f"over {settings.WEBHOOK_WORKER_RATE} events of worker {event.worker_id}")

    receipt = receive.receive(event)
    return JsonResponse(receipt.body(), status=receipt.status_code)

"""POST /api/v1/whatsapp/webhook: the session workers' events (Standard Webhooks, docs/contracts.md).

Two limits, so that nobody's flood delays a real worker (docs/security.md):
- an *unverified* request (bad size, missing or wrong signature) counts against its client's address
  (``backend.proxies.client_address``: the real one behind a trusted proxy); over WEBHOOK_UNVERIFIED_RATE the
  address gets 429 + Retry-After instead of 401, until its window ends. A verified request never counts there,
  so unsigned requests from a worker's own host cannot make that worker's events wait;
- a *verified* request counts against the event's ``worker_id``, at WEBHOOK_WORKER_RATE (far higher).
Checks, cheapest first: declared size (413), read at most the limit (413), signature over the raw bytes (401 +
reason), envelope and payload (400 + field), the worker's rate (429). Then the event goes to the inbox and is
applied (webhooks.receive); a repeated event id answers 200 unapplied.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend.accounts import ratelimit, webhooks
from backend.proxies import client_address
from shared.events import MAX_BODY_BYTES, EventValidationError, parse_event
from shared.signing import HEADER_ID, VerificationError, verify

log = logging.getLogger(__name__)


def _error(status: int, error: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": error, **extra}, status=status)


def _rate_limited(retry_after: int, detail: str) -> JsonResponse:
    response = _error(429, "rate limited", detail=detail)
    response["Retry-After"] = str(retry_after)
    return response


def _unverified(address: str, status: int, error: str, detail: str) -> JsonResponse:
    """The answer to a request that did not prove it comes from a worker: counted against its address."""
    retry_after = ratelimit.hit(scope="webhook-unverified", key=address, rate=settings.WEBHOOK_UNVERIFIED_RATE)
    if retry_after is not None:
        return _rate_limited(retry_after, f"over {settings.WEBHOOK_UNVERIFIED_RATE} unverified requests")
    log.warning("webhook from %s refused: %s", address, error)
    return _error(status, error, detail=detail)


@csrf_exempt
@require_POST
def whatsapp_webhook(request: HttpRequest) -> JsonResponse:
    address = client_address(request)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        return _unverified(address, 400, "bad request", "Content-Length must be a number")
    too_large = f"the limit is {MAX_BODY_BYTES} bytes"
    if int(declared) > MAX_BODY_BYTES:
        return _unverified(address, 413, "payload too large", too_large)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _unverified(address, 413, "payload too large", too_large)
    try:
        verify(settings.WHATSAPP_HMAC_SECRETS, request.headers, body)
    except VerificationError as exc:
        return _unverified(address, 401, exc.reason.value, exc.detail)

    try:
        event = parse_event(body)
    except EventValidationError as exc:
        return _error(400, "invalid event", field=exc.field, detail=exc.message)
    if event.id != request.headers.get(HEADER_ID):
        return _error(400, "invalid event", field="id", detail=f"must equal the {HEADER_ID} header")
    retry_after = ratelimit.hit(scope="webhook-worker", key=event.worker_id, rate=settings.WEBHOOK_WORKER_RATE)
    if retry_after is not None:
        return _rate_limited(retry_after, f"over {settings.WEBHOOK_WORKER_RATE} events of worker {event.worker_id}")

    receipt = webhooks.receive(event)
    return JsonResponse({"status": receipt.outcome, "detail": receipt.detail}, status=200)

"""POST /api/v1/whatsapp/webhook: the session workers' events (Standard Webhooks, docs/contracts.md).

Checks, cheapest first: declared size (413), rate per client IP (429 + Retry-After), read at most the
limit (413), signature over the raw bytes (401 + reason), envelope and payload (400 + field). Then the
event goes to the inbox and is applied (webhooks.receive); a repeated event id answers 200 unapplied.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend.accounts import ratelimit, webhooks
from shared.events import MAX_BODY_BYTES, EventValidationError, parse_event
from shared.signing import HEADER_ID, VerificationError, verify

log = logging.getLogger(__name__)


def _error(status: int, error: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": error, **extra}, status=status)


@csrf_exempt
@require_POST
def whatsapp_webhook(request: HttpRequest) -> JsonResponse:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        return _error(400, "bad request", detail="Content-Length must be a number")
    if int(declared) > MAX_BODY_BYTES:
        return _error(413, "payload too large", detail=f"the limit is {MAX_BODY_BYTES} bytes")

    client_ip = request.META.get("REMOTE_ADDR", "") or "unknown"
    retry_after = ratelimit.hit(scope="webhook", key=client_ip, limit=settings.WEBHOOK_RATE_LIMIT_PER_MINUTE)
    if retry_after is not None:
        response = _error(429, "rate limited", detail=f"over {settings.WEBHOOK_RATE_LIMIT_PER_MINUTE} per minute")
        response["Retry-After"] = str(retry_after)
        return response

    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _error(413, "payload too large", detail=f"the limit is {MAX_BODY_BYTES} bytes")

    try:
        verify(settings.WHATSAPP_HMAC_SECRETS, request.headers, body)
    except VerificationError as exc:
        log.warning("webhook from %s refused: %s", client_ip, exc.reason.value)
        return _error(401, exc.reason.value, detail=exc.detail)

    try:
        event = parse_event(body)
    except EventValidationError as exc:
        return _error(400, "invalid event", field=exc.field, detail=exc.message)
    if event.id != request.headers.get(HEADER_ID):
        return _error(400, "invalid event", field="id", detail=f"must equal the {HEADER_ID} header")

    receipt = webhooks.receive(event)
    return JsonResponse({"status": receipt.outcome, "detail": receipt.detail}, status=200)

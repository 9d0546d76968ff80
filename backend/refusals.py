"""The answers the worker-facing endpoints (the webhook, the auth state) give to what they refuse.

A request that did not prove it comes from a worker (bad size, missing or wrong signature) counts against its
client's address (``backend.proxies.client_address``: the real one behind a trusted proxy); over
WEBHOOK_UNVERIFIED_RATE the address gets 429 + Retry-After instead, until its window ends (docs/security.md).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import JsonResponse

from backend import audit, ratelimit
from backend.metrics import counters

log = logging.getLogger("backend.inbox.views")


def error(status: int, error: str, **extra: str | int) -> JsonResponse:
    return JsonResponse({"error": error, **extra}, status=status)


def rate_limited(retry_after: int, detail: str) -> JsonResponse:
    response = error(429, "rate limited", detail=detail)
    response["Retry-After"] = str(retry_after)
    return response


def unverified(
    address: str, status: int, error_text: str, detail: str, *, what: str = "webhook", worker_id: str = ""
) -> JsonResponse:
    """The answer to a request that did not prove it comes from a worker: counted against its address. A 401 says
    the backend's time (``server_time``, Unix seconds): a worker whose clock drifted can name the skew."""
    retry_after = ratelimit.hit(scope="webhook-unverified", key=address, rate=settings.WEBHOOK_UNVERIFIED_RATE)
    endpoint = "webhook" if what == "webhook" else "auth_state"
    counters.refused(endpoint=endpoint, reason="rate_limited" if retry_after is not None else error_text)
    if retry_after is not None:
        return rate_limited(retry_after, f"over {settings.WEBHOOK_UNVERIFIED_RATE} unverified requests")
    if worker_id:  # it named a worker (perhaps not its own): the audit log keeps who tried what
        audit.refused(worker_id=worker_id, what=f"{what} from {address}", why=f"{error_text}: {detail}")
    else:
        log.warning("%s from %s refused: %s", what, address, error_text)
    extra = {"server_time": int(time.time())} if status == 401 else {}
    return error(status, error_text, detail=detail, **extra)

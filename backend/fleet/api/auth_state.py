"""GET and PUT /api/v1/whatsapp/sessions/<session_id>/auth-state: a session's auth state, for the worker that holds it.

The worker names itself (``x-worker-id``) and signs with its own key over method, path and body
(``shared.identity.sign_request``: a 5-minute window, each request id used once), with the session's lease epoch in
``x-lease-epoch``. Only that worker, while it holds the session's current lease, may store or read the state: any
other is refused 403 ``not_lease_holder`` (it is not told whose the session is, nor its epoch), an old epoch 409
``stale_epoch``. The rules and errors are services/auth_state.py's; docs/contracts.md lists the answers.

- PUT: the body is the gzip'd storage-state JSON (``content-type: application/gzip``), ``x-session-layout`` the
  worker's layout. 204 stored (or unchanged); 400 corrupt; 403; 409; 413 too large. The lease is checked before
  the state is inflated.
- GET: 200 with the gzip'd state and ``x-auth-state-version``, ``x-auth-state-sha256`` (the worker checks the
  body against it), ``x-session-layout``; 304 when ``if-none-match`` is its sha256 already; 404 ``no_state`` none
  stored; 403; 409; 500 ``state_unreadable`` when no key of SESSION_STATE_KEYS decrypts it. Every answer to the
  lease holder says how long its lease still runs (``x-lease-expires-in-ms``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from backend import ratelimit
from backend.fleet.services.auth_state import AuthStateError, NoStoredState, auth_state_read, auth_state_store
from backend.fleet.services.identities import NotAuthenticated, worker_authenticate
from backend.proxies import client_address
from backend.refusals import error, unverified
from shared.identity import request_content
from shared.signing import HEADER_ID, TOLERANCE_SECONDS

WHAT = "auth state request"
LEASE_HEADER = "x-lease-epoch"
LEASE_EXPIRES_HEADER = "x-lease-expires-in-ms"


def _refused(exc: AuthStateError) -> JsonResponse:
    response = error(exc.status, exc.code, detail=str(exc))
    if isinstance(exc, NoStoredState):
        response[LEASE_EXPIRES_HEADER] = str(exc.lease_remaining_ms)
    return response


@csrf_exempt
@require_http_methods(["GET", "PUT"])
def session_auth_state(request: HttpRequest, session_id: str) -> HttpResponse:
    address = client_address(request)
    limit = settings.SESSION_STATE_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        return unverified(address, 400, "bad request", "Content-Length must be a number", what=WHAT)
    too_large = f"the state is larger than SESSION_STATE_MAX_BYTES ({limit} bytes)"
    if int(declared) > limit:
        return unverified(address, 413, "too_large", too_large, what=WHAT)
    body = request.read(limit + 1)
    if len(body) > limit:
        return unverified(address, 413, "too_large", too_large, what=WHAT)
    content = request_content(request.method, request.get_full_path(), body)
    try:
        worker = worker_authenticate(headers=request.headers, content=content)
    except NotAuthenticated as exc:
        return unverified(address, 401, exc.reason, exc.detail, what=WHAT, worker_id=exc.worker_id)
    request_id = request.headers[HEADER_ID]
    if ratelimit.seen_before(scope="worker-request", key=request_id, within_s=2 * TOLERANCE_SECONDS):
        return error(401, "replayed request", detail=f"id {request_id} already seen")
    epoch = request.headers.get(LEASE_HEADER, "")
    if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 18:
        return error(400, "invalid_epoch", detail=f"{LEASE_HEADER} must be the session's lease epoch (an integer)")

    try:
        if request.method == "PUT":
            auth_state_store(
                session_id=session_id,
                worker_id=worker.id,
                epoch=int(epoch),
                layout=request.headers.get("x-session-layout", ""),
                data=body,
            )
            return HttpResponse(status=204)
        stored = auth_state_read(
            session_id=session_id,
            worker_id=worker.id,
            epoch=int(epoch),
            known_sha256=request.headers.get("if-none-match", ""),
        )
    except AuthStateError as exc:
        return _refused(exc)
    response = HttpResponse(
        stored.data, status=200 if stored.data else 304, content_type="application/gzip" if stored.data else None
    )
    response["x-auth-state-version"] = str(stored.version)
    response["x-auth-state-sha256"] = stored.sha256
    response["x-session-layout"] = stored.layout
    response[LEASE_EXPIRES_HEADER] = str(stored.lease_remaining_ms)
    response["Cache-Control"] = "no-store"
    return response

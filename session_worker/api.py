"""The worker's HTTP API: signed session calls for the backend, unsigned health and metrics.

Every ``/sessions`` request must carry a ``v1a`` Standard Webhooks signature by one of BACKEND_PUBLIC_KEYS over
the command's content (:func:`shared.identity.command_content`: THIS worker's id, method, raw path with its query,
body), so that a command signed for another worker is refused here; its ``webhook-id`` is refused if seen in the
last ten minutes (session_worker/replays.py). Every error answers ``{"error": <short machine code>, "detail":
<message>}``. ``/health`` and ``/metrics`` are not signed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from session_worker.errors import SessionError
from session_worker.keys import BACKEND, HOST, MANAGER, METRICS, REPLAYS, SETTINGS, WARM_PAGES
from session_worker.replays import ReplayGuard
from session_worker.session import Session
from shared import identity
from shared.events import PHONE_RE
from shared.proxy import InvalidProxy, proxy_from_wire
from shared.signing import VerificationError

log = logging.getLogger("session_worker.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, code: str, detail: str) -> web.Response:
    """The one shape of every error: ``code`` a short machine code, ``detail`` for a person."""
    return web.json_response({"error": code, "detail": detail}, status=status)


@web.middleware
async def signed_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/sessions"):
        return await handler(request)
    body = await request.read()
    settings = request.app[SETTINGS]
    content = identity.command_content(settings.worker_id, request.method, request.raw_path, body)
    try:
        request_id = identity.verify(settings.backend_public_keys, request.headers, content)
    except VerificationError as exc:
        log.warning("unsigned or badly signed request", extra={"path": request.path, "reason": exc.reason.value})
        return _error(401, exc.reason.value, exc.detail)
    if not request.app[REPLAYS].check_and_remember(request_id):
        return _error(401, "replayed request", f"id {request_id} already seen")
    try:
        return await handler(request)
    except SessionError as exc:
        return _error(exc.status, exc.code, str(exc))


def _view(session: Session) -> dict:
    """A session as the API answers it."""
    return {
        "session_id": session.session_id,
        "workspace_id": session.workspace_id,
        "state": session.state.value,
        "qr": session.qr,
        "qr_count": session.qr_count,
        "phone_number": session.phone_number,
        "pushname": session.pushname,
        "platform": session.platform,
        "build": session.build,
        "sequence": session.sequence,
        "epoch": session.epoch,
        "started_at": session.started_at,
        "updated_at": session.updated_at,
    }


async def _json_object(request: web.Request) -> dict:
    try:
        data = json.loads(await request.read() or b"{}")
    except (ValueError, RecursionError):  # RecursionError: a body nested too deeply to decode
        raise SessionError(400, "invalid_json", "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise SessionError(400, "invalid_json", "the body must be a JSON object")
    return data


async def start_session(request: web.Request) -> web.Response:
    data = await _json_object(request)
    session_id, workspace_id = data.get("session_id"), data.get("workspace_id")
    if not isinstance(session_id, str) or not isinstance(workspace_id, str | int) or isinstance(workspace_id, bool):
        raise SessionError(400, "invalid_body", 'expected {"session_id": "...", "workspace_id": "..."}')
    epoch, restore, lease_ms = data.get("epoch", 0), data.get("restore", False), data.get("lease_expires_in_ms")
    if not _is_count(epoch) or not isinstance(restore, bool) or not (lease_ms is None or _is_count(lease_ms)):
        raise SessionError(
            400, "invalid_body", "epoch and lease_expires_in_ms must be integers >= 0, restore true or false"
        )
    try:
        proxy = proxy_from_wire(data.get("proxy"))
    except InvalidProxy as exc:
        raise SessionError(400, "invalid_proxy", str(exc)) from None
    session, started = await request.app[MANAGER].start(
        session_id=session_id,
        workspace_id=str(workspace_id),
        epoch=epoch,
        fetch_auth=restore,
        lease_s=None if lease_ms is None else lease_ms / 1000,
        proxy=proxy,
    )
    return web.json_response(_view(session), status=201 if started else 200)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**62


def _epoch(value: object) -> int | None:
    """A command's lease epoch (None: a sender without leases)."""
    if value is None:
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        value = int(value)
    if not _is_count(value):
        raise SessionError(400, "invalid_epoch", "epoch must be an integer >= 0")
    return value


async def list_sessions(request: web.Request) -> web.Response:
    return web.json_response({"sessions": [_view(s) for s in request.app[MANAGER].sessions.values()]})


async def get_session(request: web.Request) -> web.Response:
    session = request.app[MANAGER].get(request.match_info["session_id"])
    return web.json_response({**_view(session), "history": list(session.history)})


async def stop_session(request: web.Request) -> web.Response:
    epoch = _epoch(request.query.get("epoch"))
    session = await request.app[MANAGER].stop(request.match_info["session_id"], epoch=epoch)
    return web.json_response(_view(session))


async def logout_session(request: web.Request) -> web.Response:
    epoch = _epoch((await _json_object(request)).get("epoch"))
    session = await request.app[MANAGER].logout(request.match_info["session_id"], epoch=epoch)
    return web.json_response(_view(session))


async def release_session(request: web.Request) -> web.Response:
    """Stop the session so that it can move: its final auth state stored on the backend, the local copy wiped."""
    epoch = _epoch((await _json_object(request)).get("epoch"))
    session = await request.app[MANAGER].release(request.match_info["session_id"], epoch=epoch)
    return web.json_response(_view(session))


async def screenshot(request: web.Request) -> web.Response:
    png = await request.app[MANAGER].get(request.match_info["session_id"]).screenshot()
    return web.Response(body=png, content_type="image/png")


async def pairing_code(request: web.Request) -> web.Response:
    session = request.app[MANAGER].get(request.match_info["session_id"])
    phone_number = (await _json_object(request)).get("phone_number")
    if not isinstance(phone_number, str) or not PHONE_RE.fullmatch(phone_number.lstrip("+")):
        raise SessionError(400, "invalid_phone_number", "phone_number must be E.164 digits")
    try:
        code = await session.pairing_code(phone_number.lstrip("+"))
    except TimeoutError:
        raise SessionError(504, "page_timeout", "the page did not give a pairing code in time") from None
    return web.json_response({"code": code})


async def health(request: web.Request) -> web.Response:
    manager, settings = request.app[MANAGER], request.app[SETTINGS]
    refusal = request.app[BACKEND].health()
    browser_up = request.app[HOST].ready
    ready = browser_up and refusal is None
    cause = None if ready else (refusal["cause"] if refusal else "the browser is not available")
    body = {
        "live": True,
        "ready": ready,
        "cause": cause,  # why it is not ready, for a person
        "backend_refusal": refusal,  # the backend's last 401 to this worker, while it refuses it
        "heartbeat_answered": manager.leases.answered,  # the backend knows this worker: sessions can be placed here
        "worker_id": settings.worker_id,
        "layout": settings.layout.value,
        "sessions": manager.active_count,
        "capacity": settings.max_sessions,
        "free": max(0, settings.max_sessions - manager.active_count),
        # Pages waiting with a QR for the next start (never counted in sessions or against the capacity).
        "warm_pages": request.app[WARM_PAGES].counts(),
    }
    return web.json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    await request.app[MANAGER].delivery.refresh_depth()
    payload = generate_latest(request.app[METRICS].registry)
    return web.Response(body=payload, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_routes(app: web.Application) -> None:
    app[REPLAYS] = ReplayGuard()
    app.middlewares.append(signed_requests)
    app.router.add_post("/sessions", start_session)
    app.router.add_get("/sessions", list_sessions)
    app.router.add_get("/sessions/{session_id}", get_session)
    app.router.add_delete("/sessions/{session_id}", stop_session)
    app.router.add_post("/sessions/{session_id}/logout", logout_session)
    app.router.add_post("/sessions/{session_id}/release", release_session)
    app.router.add_get("/sessions/{session_id}/screenshot", screenshot)
    app.router.add_post("/sessions/{session_id}/pairing-code", pairing_code)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)

"""HTTP and WebSocket handlers: the page, its socket, the QR image, and the phone's API and page."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import segno
from aiohttp import WSMsgType, web

from simulator.codes import phone_number_checked
from simulator.errors import BadInput, PhoneError
from simulator.keys import CONFIG, HUB, PHONE

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
HELLO_TIMEOUT = 10.0
MAX_QR_DATA = 1024


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", page)
    app.router.add_get("/ws", page_socket)
    app.router.add_get("/qr.svg", qr_svg)
    app.router.add_get("/phone", phone_page)
    app.router.add_get("/phone/api/qrs", phone_qrs)
    app.router.add_post("/phone/api/scan", phone_scan)
    app.router.add_post("/phone/api/link-with-code", phone_link_with_code)
    app.router.add_get("/phone/api/devices", phone_devices)
    app.router.add_get("/phone/api/stats", phone_stats)
    app.router.add_get("/phone/api/build", phone_build)
    app.router.add_post("/phone/api/build", phone_set_build)
    app.router.add_post("/phone/api/devices/{device_id}/{action}", phone_device_action)
    app.router.add_static("/static/", STATIC)


# --- WhatsApp Web ------------------------------------------------------------------------------------------


async def page(request: web.Request) -> web.Response:
    """The page, with this load's settings injected (boot delay drawn from the profile; the build served now and
    its layout, so that this HTML keeps running this build whenever it is loaded again)."""
    settings = request.app[CONFIG].page_settings(build=request.app[HUB].build)
    settings = json.dumps(settings).replace("</", "<\\/")
    html = (STATIC / "index.html").read_text().replace("__SETTINGS__", settings)
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


async def page_socket(request: web.Request) -> web.WebSocketResponse:
    hub = request.app[HUB]
    ws = web.WebSocketResponse()
    try:
        await ws.prepare(request)
    except ConnectionResetError:  # the page went away during the handshake (closed, or navigating): nothing to do
        log.info("page socket closed during its handshake")
        # Not ``ws``: half-prepared, aiohttp's closing it would raise (logged as an unhandled error). A plain
        # answer to a connection already gone is dropped quietly.
        return web.Response(status=499, text="the page went away during the handshake")
    try:
        hello = await ws.receive_json(timeout=HELLO_TIMEOUT)
    except (TimeoutError, ValueError, TypeError):
        await ws.close()
        return ws
    page_ = await hub.page_open(ws=ws, hello=hello if isinstance(hello, dict) else {}, peer=request.remote or "")
    if page_ is None:
        await ws.close(code=4000, message=b"dropped")
        return ws
    try:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(message.data)
            except ValueError:
                continue
            if isinstance(data, dict):
                await hub.page_message(page_, data)
    finally:
        hub.page_closed(page_)
    return ws


async def qr_svg(request: web.Request) -> web.Response:
    data = request.query.get("data", "")
    if not data or len(data) > MAX_QR_DATA:
        return _error(400, f"data must be 1 to {MAX_QR_DATA} characters")
    out = io.BytesIO()
    segno.make_qr(data, error="l").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return web.Response(body=out.getvalue(), content_type="image/svg+xml", headers={"Cache-Control": "no-store"})


# --- the phone ---------------------------------------------------------------------------------------------


async def phone_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "phone.html")


async def phone_qrs(request: web.Request) -> web.Response:
    """The QR codes on screen now, the oldest page first (``Phone.qrs_on_screen``); ``age_s``: seconds since each
    was shown, ``page_age_s`` since its page opened (the simulator's clock, so that the phone page needs none)."""
    qrs = request.app[PHONE].qrs_on_screen()
    now = time.time()
    return web.json_response(
        {
            "qrs": [
                {
                    "page_id": q.page_id,
                    "ref": q.ref,
                    "qr": q.qr,
                    "qr_count": q.qr_count,
                    "expires_at": q.expires_at,
                    "shown_at": q.shown_at,
                    "peer": q.peer,
                    "age_s": round(max(0.0, now - q.shown_at), 1),
                    "page_age_s": round(max(0.0, now - q.page_opened_at), 1),
                }
                for q in qrs
            ]
        }
    )


async def phone_scan(request: web.Request) -> web.Response:
    try:
        body = await _json_object(request)
        qr = body.get("qr")
        if not isinstance(qr, str) or not qr:
            raise BadInput("qr is required: the full QR string, as the camera reads it")
        device = await request.app[PHONE].scan(qr=qr, **_phone_identity(body))
    except PhoneError as error:
        return _error(error.status, error.message)
    return web.json_response({"device_id": device.device_id, "phone_number": device.phone_number})


async def phone_link_with_code(request: web.Request) -> web.Response:
    try:
        body = await _json_object(request)
        code = body.get("code")
        if not isinstance(code, str) or not code:
            raise BadInput("code is required: the 8 characters shown on the computer")
        device = await request.app[PHONE].link_with_code(code=code, **_phone_identity(body))
    except PhoneError as error:
        return _error(error.status, error.message)
    return web.json_response({"device_id": device.device_id, "phone_number": device.phone_number})


async def phone_devices(request: web.Request) -> web.Response:
    phone = request.app[PHONE]
    return web.json_response({"devices": [phone.device_view(d) for d in phone.devices()]})


async def phone_stats(request: web.Request) -> web.Response:
    """``double_connections``: how many times one login was connected on two pages at once (never, in a sound
    deployment of workers), in total and per device; ``qrs_shown``: the QR codes (refs) shown since start."""
    return web.json_response(request.app[HUB].stats())


async def phone_build(request: web.Request) -> web.Response:
    """The WhatsApp Web build served now and the catalogue: ``{"build", "builds": [{"build", "description"}]}``."""
    return web.json_response(request.app[HUB].builds())


async def phone_set_build(request: web.Request) -> web.Response:
    """Serve another build (``{"build": "..."}``): every connected page reloads onto it."""
    hub = request.app[HUB]
    try:
        body = await _json_object(request)
        await hub.set_build(body.get("build"))
    except PhoneError as error:
        return _error(error.status, error.message)
    return web.json_response(hub.builds())


async def phone_device_action(request: web.Request) -> web.Response:
    phone = request.app[PHONE]
    actions = {
        "logout": phone.device_logout,
        "conflict": phone.device_conflict,
        "drop": phone.device_drop,
        "restore": phone.device_restore,
    }
    action = actions.get(request.match_info["action"])
    if action is None:
        return _error(404, f"unknown action; one of {', '.join(actions)}")
    try:
        device = await action(device_id=request.match_info["device_id"])
    except PhoneError as error:
        return _error(error.status, error.message)
    return web.json_response(phone.device_view(device))


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text())
    except ValueError:
        raise BadInput("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the request body must be a JSON object")
    return body


def _phone_identity(body: dict[str, Any]) -> dict[str, str]:
    phone_number = phone_number_checked(body.get("phone_number"))
    pushname = body.get("pushname", "Simulated phone")
    platform = body.get("platform", "android")
    if not isinstance(pushname, str) or not 0 < len(pushname) <= 64:
        raise BadInput("pushname must be a string of 1 to 64 characters")
    if not isinstance(platform, str) or not 0 < len(platform) <= 32:
        raise BadInput("platform must be a string of 1 to 32 characters (android, iphone, smba, smbi, ...)")
    return {"phone_number": phone_number, "pushname": pushname, "platform": platform}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)

"""The real settings page in Chromium against a scripted backend: the page's HTML comes from the Django view
(rendered by the test client), its JS and CSS from backend/web/static; the state, the REST API and the
WebSocket are answered by the test through Playwright's routing, so each failure can be staged exactly."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
import urllib.parse
from pathlib import Path
from typing import Any

from backend.accounts.phone_numbers import phone_number_display

STATIC = Path(__file__).resolve().parents[2] / "backend" / "web" / "static" / "web"
ORIGIN = "http://ui.test"
QR = "2@ref{n},bm9pc2VrZXk=,aWRlbnRpdHk=,YWR2c2VjcmV0,1"
PAGE_EXTRAS = frozenset({"qr_svg", "timeline", "last_seen_at"})  # the state endpoint's, not the API's
QR_SVG_PATH = re.compile(r"^/api/v1/accounts/(?P<id>\d+)/qr\.svg$")
QR_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="{n}" height="10"/></svg>'


def now_iso(offset_s: float = 0.0) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_s)).isoformat()


def account(account_id: int, workspace_id: int, status: str = "qr_scanning", **fields: Any) -> dict[str, Any]:
    """An account in the API's shape (AccountSerializer) plus the page's extras."""
    row = {
        "id": account_id,
        "workspace_id": workspace_id,
        "session_id": f"wa_{account_id:032x}",
        "status": status,
        "status_reason": "",
        "status_changed_at": now_iso(),
        "phone_number": None,
        "phone_number_display": "",
        "push_name": "",
        "platform": "",
        "is_primary": False,
        "qr": None,
        "qr_count": 0,
        "qr_expires_at": None,
        "sync_percent": None,
        "worker_id": "worker-1",
        "moving": False,
        "reconnecting": False,
        "proxy": None,
        "whatsapp_web_build": None,
        "connected_at": None,
        "created_at": now_iso(),
        "updated_at": now_iso(),
        "deleted": False,
        "qr_svg": None,
        "timeline": [],
        "last_seen_at": None,
    }
    row.update(fields)
    return as_served(row)


def as_served(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the display fields the server derives from the others (the phone number, formatted)."""
    return {**row, "phone_number_display": phone_number_display(row.get("phone_number"))}


def with_qr(row: dict[str, Any], count: int, expires_in: float) -> dict[str, Any]:
    return {
        **row,
        "status": "qr_scanning",
        "qr": QR.format(n=count),
        "qr_count": count,
        "qr_expires_at": now_iso(expires_in),
        "qr_svg": QR_SVG.format(n=count),
    }


class ScriptedBackend:
    def __init__(self, *, html: str, workspace_id: int) -> None:
        self.html = html
        self.workspace_id = workspace_id
        self.accounts: dict[int, dict[str, Any]] = {}
        self.answers: dict[tuple[str, str], tuple[int, dict[str, Any] | None]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.sockets: list[Any] = []
        self.block_socket = False

    def install(self, context) -> None:
        context.route(re.compile(r"^http://ui\.test/"), self._http)
        context.route_web_socket(re.compile(r"^ws://ui\.test/ws/"), self._socket)

    def open(self, page) -> None:
        page.goto(f"{ORIGIN}/settings/whatsapp-accounts")

    # The REST API: (method, path) -> (status, body); every call is recorded.
    def answer(self, method: str, path: str, status: int, body: dict[str, Any] | None = None) -> None:
        self.answers[(method, path)] = (status, body)

    def push(self, kind: str, row: dict[str, Any]) -> None:
        """A broadcast: the account changes on the server and every open socket hears of it. The message
        carries the API's fields (a QR as its string); the page fetches the QR's SVG (``qr.svg``)."""
        row = as_served({**row, "updated_at": now_iso()})
        self.accounts[row["id"]] = row
        account = {key: value for key, value in row.items() if key not in PAGE_EXTRAS}
        message = {"type": kind, "workspace_id": self.workspace_id, "account": account}
        for socket in self.sockets:
            socket.send(json.dumps(message))

    def _http(self, route) -> None:
        request = route.request
        url = urllib.parse.urlsplit(request.url)
        if url.path == "/settings/whatsapp-accounts":
            route.fulfill(status=200, content_type="text/html", body=self.html)
        elif url.path.startswith("/static/web/"):
            path = (STATIC / url.path.removeprefix("/static/web/")).resolve()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".js":
                content_type = "text/javascript"
            route.fulfill(status=200, content_type=content_type, body=path.read_bytes())
        elif url.path == "/settings/whatsapp-accounts/state":
            body = {"server_time": now_iso(), "accounts": list(self.accounts.values())}
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))
        elif svg := QR_SVG_PATH.match(url.path):
            row = self.accounts.get(int(svg["id"])) or {}
            self.requests.append((request.method, url.path.removeprefix("/api/v1"), None))
            if row.get("qr_svg"):
                route.fulfill(status=200, content_type="image/svg+xml", body=row["qr_svg"])
            else:
                route.fulfill(status=404, content_type="application/json", body='{"detail": "no QR"}')
        elif url.path.startswith("/api/v1/"):
            key = (request.method, url.path.removeprefix("/api/v1"))
            self.requests.append((request.method, key[1], request.post_data))
            status, body = self.answers.get(key, (404, {"detail": "Not found."}))
            if status < 300 and body and "status" in body:
                body = as_served({**body, "updated_at": now_iso()})
                self.accounts[body["id"]] = body  # the server's state after the action
            if status < 300 and request.method == "DELETE":
                self.accounts.pop(int(key[1].rsplit("/", 1)[-1]), None)
            route.fulfill(status=status, content_type="application/json", body=json.dumps(body) if body else "")
        else:
            route.fulfill(status=404, body="")

    def _socket(self, ws) -> None:
        if self.block_socket:
            ws.close(code=1011, reason="blocked")
            return
        self.sockets.append(ws)
        ws.send(json.dumps({"type": "hello", "workspace_id": self.workspace_id}))

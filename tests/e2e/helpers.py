"""What the end-to-end tests share: people made in the stack's database, the phone (the simulator's phone
API), signing in through the page, waiting on the stack, and screenshots under artifacts/e2e/."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.livestack import PYTHON, ROOT, LiveStack

ARTIFACTS = ROOT / "artifacts" / "e2e"
PASSWORD = "e2e-password-that-is-long"

# Made in one Django process: {name: {"workspace": <name or None>, "role": ...}} -> ids.
_PEOPLE_SCRIPT = """
import json, sys
from django.contrib.auth import get_user_model
from backend.accounts.models import Membership, Workspace
spec = json.loads(sys.argv[1])
out = {}
for username, person in spec["people"].items():
    user = get_user_model().objects.create_user(username=username, password=spec["password"])
    workspace = Workspace.objects.create(name=person["workspace"])
    Membership.objects.create(user=user, workspace=workspace, role=person.get("role", "owner"))
    out[username] = workspace.pk
print("PEOPLE=" + json.dumps(out))
"""


@dataclass(frozen=True)
class Person:
    username: str
    workspace_id: int


def make_people(stack: LiveStack, people: dict[str, str]) -> dict[str, Person]:
    """``{username: workspace name}``: each person owns a workspace of their own."""
    spec = {"password": PASSWORD, "people": {u: {"workspace": w} for u, w in people.items()}}
    code = "import django; django.setup()\n" + _PEOPLE_SCRIPT
    result = subprocess.run(
        [PYTHON, "-c", code, json.dumps(spec)],
        env=stack.django_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("PEOPLE="))
    ids = json.loads(line.removeprefix("PEOPLE="))
    return {username: Person(username, workspace_id) for username, workspace_id in ids.items()}


class Phone:
    """The phone's side of the simulator, over its JSON API (docs/contracts.md)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 (the simulator on loopback)
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    def scan(self, qr: str, *, phone_number: str, pushname: str = "E2E phone") -> dict:
        return self._call("POST", "/phone/api/scan", {"qr": qr, "phone_number": phone_number, "pushname": pushname})

    def link_with_code(self, code: str, *, phone_number: str, pushname: str = "E2E phone") -> dict:
        body = {"code": code, "phone_number": phone_number, "pushname": pushname}
        return self._call("POST", "/phone/api/link-with-code", body)

    def devices(self) -> list[dict]:
        return self._call("GET", "/phone/api/devices")["devices"]

    def logout(self, phone_number: str) -> None:
        [device] = [d for d in self.devices() if d["phone_number"] == phone_number and not d["logged_out"]]
        self._call("POST", f"/phone/api/devices/{device['device_id']}/logout")


class Shots:
    """Numbered screenshots of one test's steps: artifacts/e2e/<test>/<nn>-<step>.png."""

    def __init__(self, test_name: str) -> None:
        self.folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in [*self.folder.glob("*.png"), *self.folder.glob("timings.json")]:
            old.unlink()
        self.count = 0
        self.timings: dict[str, float] = {}

    def timing(self, name: str, seconds: float) -> None:
        """A measured latency, kept in timings.json next to the screenshots (a record, not an assertion)."""
        self.timings[name] = round(seconds, 3)
        (self.folder / "timings.json").write_text(json.dumps(self.timings, indent=2) + "\n")

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page, stack: LiveStack, username: str, *, workspace_id: int | None = None) -> None:
    query = f"?workspace={workspace_id}" if workspace_id else ""
    page.goto(f"{stack.backend_url}/settings/whatsapp-accounts{query}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/whatsapp-accounts"))


def shown_qr(page, workspace_id: int, account_id: int | None = None, *, timeout: float = 20.0) -> str:
    """The raw QR string of the code the page shows now (as the phone's camera would read it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        accounts = page.evaluate(
            "async (w) => (await (await fetch(`/settings/whatsapp-accounts/state?workspace=${w}`)).json()).accounts",
            workspace_id,
        )
        for account in accounts:
            if account["qr"] and account["status"] == "qr_scanning" and account_id in (None, account["id"]):
                return account["qr"]
        time.sleep(0.2)
    raise TimeoutError("no QR code showing")


def panel_account_id(page, *, timeout_ms: float = 15000) -> int:
    """The account the Connect panel follows (known once the API answered "Connect")."""
    page.wait_for_selector("#connect-dialog[data-account-id]", state="attached", timeout=timeout_ms)
    return int(page.get_attribute("#connect-dialog", "data-account-id"))

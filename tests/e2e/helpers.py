"""What the end-to-end tests share beyond tests/harness/: a stack of a module's own, signing in through the
page, reading the QR it shows, and screenshots under artifacts/e2e/."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

from playwright.sync_api import expect

from tests.harness.livestack import ROOT, LiveStack
from tests.harness.people import PASSWORD
from tests.harness.pool import keep_logs
from tests.harness.waiting import wait_until

ARTIFACTS = ROOT / "artifacts" / "e2e"


@contextlib.contextmanager
def own_stack(request, **settings) -> Iterator[LiveStack]:
    """A stack of the requesting module's own, with ``settings`` (LiveStack's fields), its logs kept under
    artifacts/e2e/stack-logs/<module>/ when it stops."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    live = LiveStack(request.getfixturevalue("tmp_path_factory").mktemp(module), **settings)
    try:
        with live:
            yield live
    finally:
        keep_logs(live, f"e2e/stack-logs/{module}")


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


def open_live_settings(context, stack: LiveStack, username: str):
    """A new page signed in as ``username``, its WebSocket live, marked so that a reload would show
    (``window.__sameDocument`` is gone if the page reloads)."""
    page = context.new_page()
    sign_in(page, stack, username)
    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")
    page.evaluate("() => { window.__sameDocument = true; }")
    return page


def shown_qr(page, workspace_id: int, account_id: int | None = None, *, timeout: float = 20.0) -> str:
    """The raw QR string of the code the page shows now (as the phone's camera would read it)."""

    def showing() -> str | None:
        accounts = page.evaluate(
            "async (w) => (await (await fetch(`/settings/whatsapp-accounts/state?workspace=${w}`)).json()).accounts",
            workspace_id,
        )
        for account in accounts:
            if account["qr"] and account["status"] == "qr_scanning" and account_id in (None, account["id"]):
                return account["qr"]
        return None

    return wait_until(showing, within=timeout, what="QR code showing")


def panel_account_id(page, *, timeout_ms: float = 15000) -> int:
    """The account the Connect panel follows (known once the API answered "Connect")."""
    page.wait_for_selector("#connect-dialog[data-account-id]", state="attached", timeout=timeout_ms)
    return int(page.get_attribute("#connect-dialog", "data-account-id"))

"""A Chromium renderer SIGKILLed under a linked session on the live stack: the backend hears
`disconnected (BROWSER_CRASHED)`, the worker reopens the session from its kept auth without a QR, and the
account is `connected` again with its number and its primary flag."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PHONE = "4915123400501"


def parent_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return 0


def descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = parent_of(pid)
    return False


def renderers_of(worker_pid: int) -> list[int]:
    """Chromium's renderers under the worker (Playwright starts the browser in a process group of its own)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"--type=renderer" in (proc / "cmdline").read_bytes() and descends_from(int(proc.name), worker_pid):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def statuses(stack, account_id: int) -> list[tuple[str, str]]:
    return stack.sql(
        "SELECT status, reason FROM accounts_accountstatuschange WHERE account_id = %s ORDER BY id", (account_id,)
    )


def test_a_killed_renderer_is_reported_and_the_account_comes_back(fault_stack):
    stack = fault_stack
    olga = stack.make_people({"olga": "Olga's shop"})["olga"]
    account = stack.connect(workspace_id=olga.workspace_id, token=olga.token)
    stack.link(account, phone_number=PHONE, token=olga.token)
    last = max(row[2] for row in stack.inbox(account["session_id"]))

    renderers = renderers_of(stack.processes["worker"].popen.pid)
    assert renderers, "no Chromium renderer found in the worker's process group"
    for pid in renderers:
        os.kill(pid, signal.SIGKILL)

    stack.wait_until(
        lambda: ("disconnected", "BROWSER_CRASHED") in statuses(stack, account["id"]),
        within=30,
        what="the crash reported to the backend",
    )
    try:
        stack.wait_until(
            lambda: statuses(stack, account["id"])[-1] == ("connected", ""),
            within=120,  # the warm pages' renderers die too, and are reopened beside it on a busy machine
            what="the account connected again",
        )
    except TimeoutError as exc:  # say what the account went through, and what the worker logged
        worker_log = stack.processes["worker"].log()[-8000:]
        raise AssertionError(f"{exc}; statuses {statuses(stack, account['id'])}\n{worker_log}") from exc
    back = stack.account(account["id"], token=olga.token)
    assert (back["phone_number"], back["is_primary"]) == (PHONE, True)
    after = [row[1] for row in stack.inbox(account["session_id"]) if row[2] > last]
    assert "qr_code_generated" not in after  # restored from its auth, no new QR
    assert after[-1] == "session_ready"
    stack.forget([account], token=olga.token)  # the stack as this test found it

"""`WORKERS=3 make run` (scripts/run_demo.py on its own folder and ports, the demo's embedded SQLite, the
realistic simulator) under a burst: ten Connects at once through the API, from three workspaces of the demo
login. Every one is answered 201 (none 500: issue 28 saw 8 of 10 answered 500, "database is locked"), every
account gets its QR from one of the three workers while their heartbeats, Celery and the webhook write to the
same database, and no log of the demo says `Internal Server Error`, `Traceback` or `database is locked`. The
settings page then lists the workspace's Connects (screenshot under artifacts/e2e/<test>/)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import Shots
from tests.harness.demo import ports_free_in_a_row, start_demo, stop_demo, wait_running
from tests.harness.livestack import ROOT
from tests.harness.waiting import wait_until

pytestmark = pytest.mark.slow

WORKERS = 3
CONNECTS = 10
WORKSPACES = ("Demo", "Second shop", "Third shop")  # make run's own, and two more the demo login owns
BAD_LINES = ("Internal Server Error", "Traceback", "database is locked")

# Two more workspaces for the demo login, as an operator's `manage.py shell` would make them.
MORE_WORKSPACES = """
from django.contrib.auth import get_user_model
from backend.accounts.models import Membership, Workspace
demo = get_user_model().objects.get(username="demo")
role = Membership.objects.filter(user=demo).first().role
for name in {names!r}:
    Membership.objects.create(user=demo, workspace=Workspace.objects.create(name=name), role=role)
"""


def demo_environment(env: dict[str, str]) -> dict[str, str]:
    """The programs' environment that make run kept for this folder (scripts/demo_files.py), for a Django shell."""
    script = "import json; from scripts.demo_files import environment; print(json.dumps(environment(None)))"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def heard_from(database: Path) -> int:
    """How many workers the demo's backend has had a heartbeat from (its SQLite, read only)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
        query = "SELECT count(*) FROM fleet_workernode WHERE is_alive AND last_heartbeat_at IS NOT NULL"
        return db.execute(query).fetchone()[0]


@pytest.fixture(scope="module")
def demo():
    # Not under pytest's own temporary folder (owner-only): started as root, make run hands its folder to an
    # unprivileged user, who must be able to reach it.
    top = Path(tempfile.mkdtemp(prefix="make-run-3-workers-"))
    top.chmod(0o711)
    var = top / "demo"
    base = ports_free_in_a_row(3 + WORKERS - 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DEMO_VAR_DIR=str(var), DEMO_BASE_PORT=str(base), WORKERS=str(WORKERS), PYTHONUNBUFFERED="1")
    output = top / "run.out"
    process = start_demo(env, output)
    try:
        wait_running(process, output, within=300, what="WORKERS=3 make run to start")
        # "running" only once the backend has heard every worker (a Connect can be placed on any of them at once).
        assert heard_from(var / "db.sqlite3") == WORKERS
        # The shell runs as the programs' user (the database's owner), so that what it writes stays theirs.
        owner = (var / "db.sqlite3").stat()
        user = {"user": owner.st_uid, "group": owner.st_gid} if os.geteuid() == 0 else {}
        shell = [sys.executable, str(ROOT / "backend" / "manage.py"), "shell", "-c",
                 MORE_WORKSPACES.format(names=WORKSPACES[1:])]  # fmt: skip
        made = subprocess.run(shell, cwd=ROOT, env=demo_environment(env), capture_output=True, text=True,
                              check=False, timeout=120, **user)  # fmt: skip
        assert made.returncode == 0, made.stderr[-3000:]
        yield var, base
    finally:
        stop_demo(process)
        kept = ROOT / "artifacts" / "e2e" / "stack-logs" / "make_run_with_three_workers"
        subprocess.run(["rm", "-rf", str(kept)], check=False)
        kept.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-r", str(var / "logs"), str(kept)], check=False)
        subprocess.run(["cp", str(output), str(kept)], check=False)
        subprocess.run(["rm", "-rf", str(top)], check=False)


def test_ten_connects_at_once_from_three_workspaces_answer_no_500(demo, browser, request):
    var, base = demo
    backend = f"http://127.0.0.1:{base}"
    password = (var / "demo_password").read_text().strip()
    token = requests.post(f"{backend}/api/v1/auth/token", data={"username": "demo", "password": password}, timeout=60)
    assert token.status_code == 200, token.text[:300]
    auth = {"Authorization": f"Token {token.json()['token']}"}
    listed = requests.get(f"{backend}/api/v1/workspaces", headers=auth, timeout=60).json()
    workspaces = {w["name"]: w["id"] for w in listed}
    assert set(WORKSPACES) <= set(workspaces), workspaces

    # Ten Connects at once (a barrier), spread over the three workspaces.
    answers: list[requests.Response | requests.RequestException | None] = [None] * CONNECTS
    start = threading.Barrier(CONNECTS)

    def connect(n: int) -> None:
        workspace = workspaces[WORKSPACES[n % len(WORKSPACES)]]
        start.wait()
        try:
            answers[n] = requests.post(f"{backend}/api/v1/workspaces/{workspace}/accounts", headers=auth, timeout=120)
        except requests.RequestException as error:  # reported below, with the others
            answers[n] = error

    threads = [threading.Thread(target=connect, args=(n,)) for n in range(CONNECTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = [a.status_code if isinstance(a, requests.Response) else repr(a) for a in answers]
    assert codes == [201] * CONNECTS, [a.text[:300] if isinstance(a, requests.Response) else a for a in answers]
    accounts = [a.json() for a in answers]

    # Each account shows its QR: the three workers started all ten, the database taking every write.
    def qr_of(account_id: int) -> str | None:
        answer = requests.get(f"{backend}/api/v1/accounts/{account_id}", headers=auth, timeout=60)
        assert answer.status_code == 200, answer.text[:300]
        return answer.json()["qr"]

    for account in accounts:
        wait_until(lambda a=account: qr_of(a["id"]), within=300, what=f"the QR of account {account['id']}")

    # The operator's page: the Demo workspace's four Connects, each waiting for its scan.
    shots = Shots(request.node.name)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{backend}/settings/whatsapp-accounts?workspace={workspaces['Demo']}")
        page.fill("#id_username", "demo")
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        demo_accounts = [a["id"] for n, a in enumerate(accounts) if n % len(WORKSPACES) == 0]
        for account_id in demo_accounts:
            card = page.locator(f'#accounts li[data-account-id="{account_id}"]')
            expect(card.locator("[data-status]")).to_have_attribute("data-status", "qr_scanning")
        expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")
        shots(page, "demo-workspace-after-the-burst")
    finally:
        context.close()

    logs = sorted((var / "logs").glob("*.log"))
    assert {path.name for path in logs} >= {"backend.log", "celery.log", "session-worker-3.log"}
    bad = [
        f"{path.name}: {line}"
        for path in logs
        for line in path.read_text(errors="replace").splitlines()
        if any(marker in line for marker in BAD_LINES)
    ]
    assert bad == []

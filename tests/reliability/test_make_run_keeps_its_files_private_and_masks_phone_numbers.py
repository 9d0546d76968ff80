"""`make run` (scripts/run_demo.py, under supervisord, on its own folder and ports): everything it writes under
its var folder is owner-only (folders 0700, files 0600: the SQLite database with tokens and session keys, the
worker's outbox with QR strings, the broker, the logs, supervisord's files), and after a phone links, the
worker's and the simulator's logs show the phone number by its last 4 digits only. supervisord prints no CRIT
line: started as root, it and its programs run as an unprivileged user (or as root, said on purpose, where that
user cannot reach the interpreter), and its control socket asks for a password."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tests.harness.demo import ports_free_in_a_row, start_demo, stop_demo, wait_running
from tests.harness.phone import Phone
from tests.reliability.stack import wait_until

pytestmark = pytest.mark.slow

PHONE = "6281234567890"


@pytest.fixture(scope="module")
def demo():
    # Not under pytest's own temporary folder (owner-only): started as root, make run hands its folder to an
    # unprivileged user, who must be able to reach it.
    top = Path(tempfile.mkdtemp(prefix="make-run-"))
    top.chmod(0o711)
    var = top / "demo"
    base = ports_free_in_a_row(3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(DEMO_VAR_DIR=str(var), DEMO_BASE_PORT=str(base), PYTHONUNBUFFERED="1")
    output = var.parent / "run.out"
    process = start_demo(env, output)
    try:
        wait_running(process, output, within=240, what="make run to start")
        yield var, base
    finally:
        stop_demo(process)
        subprocess.run(["rm", "-rf", str(top)], check=False)


def modes(var: Path) -> dict[str, str]:
    found = {}
    for path in [var, *var.rglob("*")]:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            continue
        found[str(path.relative_to(var.parent))] = oct(stat.S_IMODE(mode))
    return found


def test_every_file_and_folder_is_owner_only(demo):
    var, _base = demo
    found = modes(var)
    for expected in ("demo/db.sqlite3", "demo/celery-broker.sqlite3", "demo/sessions/worker.sqlite3",
                     "demo/logs/session-worker.log", "demo/logs/supervisord.log", "demo/supervisord.conf"):  # fmt: skip
        assert expected in found, sorted(found)
    loose = {path: mode for path, mode in found.items() if int(mode, 8) & 0o077}
    assert loose == {}


def test_logs_show_phone_numbers_by_their_last_four_digits(demo):
    var, base = demo
    backend, simulator = f"http://127.0.0.1:{base}", f"http://127.0.0.1:{base + 2}"
    password = (var / "demo_password").read_text().strip()
    token = requests.post(f"{backend}/api/v1/auth/token", data={"username": "demo", "password": password}, timeout=20)
    auth = {"Authorization": f"Token {token.json()['token']}"}
    workspace = requests.get(f"{backend}/api/v1/workspaces", headers=auth, timeout=20).json()[0]["id"]
    account = requests.post(f"{backend}/api/v1/workspaces/{workspace}/accounts", headers=auth, timeout=20).json()

    def current(field: str):
        return requests.get(f"{backend}/api/v1/accounts/{account['id']}", headers=auth, timeout=20).json()[field]

    qr = wait_until(lambda: current("qr"), within=120, what="the QR")
    with Phone(simulator) as phone:
        phone.scan(qr, phone_number=PHONE, pushname="Demo")
    wait_until(lambda: current("status") == "connected", within=120, what="the account connected")

    def log(name: str) -> str:
        return (var / "logs" / f"{name}.log").read_text()

    for name in ("session-worker", "simulator"):
        wait_until(lambda name=name: "*********7890" in log(name), within=30, what=f"the masked number in {name}.log")
        assert PHONE not in log(name), name


def test_supervisord_prints_no_crit_line_and_runs_nothing_as_root(demo):
    var, _base = demo
    printed = (var.parent / "run.out").read_text() + (var / "logs" / "supervisord.log").read_text()
    assert [line for line in printed.splitlines() if " CRIT " in line] == []
    pid = int((var / "supervisord.pid").read_text())
    owners = {int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])}
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    owners |= {int(Path(f"/proc/{child}/status").read_text().split("Uid:")[1].split()[0]) for child in children}
    assert len(children) >= 4  # the simulator, daphne, Celery, the worker
    if os.geteuid() == 0 and "everything runs as the unprivileged user" in printed:
        assert 0 not in owners
    else:  # a normal user, or root where the demo user cannot reach the interpreter (run_demo.py says which)
        assert owners == {os.geteuid()}
    supervisorctl = [str(Path(sys.executable).parent / "supervisorctl"), "-s", f"unix://{var / 'supervisor.sock'}"]
    refused = subprocess.run([*supervisorctl, "status"], capture_output=True, text=True, check=False, timeout=60)
    assert "RUNNING" not in refused.stdout  # no password: the control socket says no
    allowed = subprocess.run(
        [*supervisorctl[:1], "-c", str(var / "supervisord.conf"), "status"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert allowed.stdout.count("RUNNING") >= 4, allowed.stdout + allowed.stderr

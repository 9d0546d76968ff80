"""`make run`: the whole product on one machine, on its embedded defaults, under supervisord.

SQLite, the in-memory channel layer, Celery over kombu's SQLAlchemy transport on SQLite (no broker server), one
session worker and the simulator (realistic profile) as WhatsApp Web. Creates the demo workspace and user, prints
where to go, and stops everything cleanly on Ctrl-C.

Everything it writes is under DEMO_VAR_DIR (var/demo) and owner-only (folders 0700, files 0600: the database
holds API tokens and session keys, the outbox QR strings): the umask of every process is 077. DEMO_HOST and
DEMO_BASE_PORT (8000: the backend, then the worker and the simulator) say where it listens.

Started as root, it runs nothing as root: supervisord and every program (Chromium included) run as DEMO_USER
(whatsapp-demo, a system user made if missing), which owns DEMO_VAR_DIR; files there stay owner-only, that owner
being the user that runs the programs. Where that user cannot run them (the interpreter or the checkout out of
its reach, e.g. a Python under /root), it says so and runs them as root, with supervisord told so on purpose.
supervisord's control socket asks for a password (kept in its 0600 configuration, which
`supervisorctl -c var/demo/supervisord.conf` reads).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from backend.broker import broker_prepare
from scripts.demo_files import (
    BIN,
    DEMO_USER,
    HOST,
    PORTS,
    PY,
    ROOT,
    VAR,
    WORKERS,
    demo_workers,
    environment,
    kept,
    say,
    supervisord_conf,
)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) != 0


def program_user() -> pwd.struct_passwd | None:
    """Started as root: the unprivileged user that runs supervisord and the programs (DEMO_USER, made a system user
    without a login if missing). Started by anyone else: None, everything runs as the caller."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(DEMO_USER)
    except KeyError:
        say(f"Started as root: creating the system user {DEMO_USER} to run the programs")
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", DEMO_USER],
            check=True,
        )  # fmt: skip
        return pwd.getpwnam(DEMO_USER)


def as_user(user: pwd.struct_passwd | None) -> dict:
    """subprocess arguments that run a command as ``user`` (none of root's groups kept), or as the caller."""
    return {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def cannot_run_as(user: pwd.struct_passwd) -> str | None:
    """Why ``user`` cannot run the programs from here (the interpreter, the checkout, DEMO_VAR_DIR's folders out
    of its reach), or None. The folders between the checkout and VAR (var/) get the traverse bit first."""
    for parent in VAR.parents:
        if parent == ROOT or not parent.is_relative_to(ROOT):
            break
        parent.chmod(parent.stat().st_mode | 0o111)
    try:
        probe = subprocess.run(
            [PY, "-c", "import os, sys, backend; os.stat(sys.argv[1])", str(VAR)],
            cwd=ROOT, capture_output=True, text=True, check=False, **as_user(user),
        )  # fmt: skip
    except OSError as error:  # the interpreter itself (under a private home, say)
        return f"{user.pw_name} cannot run {PY} ({error.strerror})"
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return f"{user.pw_name} cannot use {ROOT} or {VAR} ({lines[-1] if lines else probe.returncode})"


def hand_over(user: pwd.struct_passwd) -> None:
    """Give VAR and everything in it to ``user``; files stay owner-only, the owner being the one that runs."""
    for path in [VAR, *VAR.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


def demo_setup_argv(manage: list[str], password: str, workers: list[str]) -> list[str]:
    """The demo login's command, which also registers the demo's workers with their keys. ``--password=...`` in one
    argument: a generated password may begin with "-", which as an argument of its own would be read as an option."""
    return [*manage, "demo_setup", f"--password={password}", "--superuser", *(f"--worker={w}" for w in workers)]


def wait_ready(url: str, supervisor: subprocess.Popen, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return True
        except OSError:
            time.sleep(0.3)
    return False


def wait_heard(url: str, supervisor: subprocess.Popen, timeout: float = 60) -> bool:
    """Until the worker's /health says the backend has answered its heartbeat: Connect can place sessions on it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if json.load(response).get("heartbeat_answered"):
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    return False


def main() -> int:
    os.umask(0o077)  # every file and folder made from here on, by us or the programs, is owner-only
    VAR.mkdir(mode=0o700, parents=True, exist_ok=True)
    busy = [f"{name} ({port})" for name, port in PORTS.items() if not port_free(port)]
    if busy:
        print(f"make run: ports in use: {', '.join(busy)}. Stop what uses them (another 'make run'?).", file=sys.stderr)
        return 1
    user = program_user()
    if user is not None and (problem := cannot_run_as(user)):
        say(f"Started as root, but {problem}: everything runs as root. Run make run as a normal user instead.")
        user = None
    env = environment(user)
    password = kept(VAR / "demo_password", lambda: secrets.token_urlsafe(9))
    conf = supervisord_conf(as_root=user is None and os.geteuid() == 0)
    # The embedded Celery broker, made before any program uses it (backend/broker.py), and handed over with VAR.
    broker_prepare(str(VAR / "celery-broker.sqlite3"), queue=env.get("CELERY_QUEUE", "whatsapp"))
    if user is not None:
        hand_over(user)
        say(f"Started as root: everything runs as the unprivileged user {user.pw_name}, which owns {VAR}")
    manage = [PY, str(ROOT / "backend" / "manage.py")]
    say(f"Migrating the database (SQLite, {VAR / 'db.sqlite3'})")
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, **as_user(user))
    say(f"Creating the demo workspace and user, registering {WORKERS} session worker(s) with their keys")
    subprocess.run(demo_setup_argv(manage, password, demo_workers()), env=env, check=True, **as_user(user))
    workers = "a session worker" if WORKERS == 1 else f"{WORKERS} session workers"
    say(f"Starting the simulator, the backend (daphne), Celery (worker + beat) and {workers} (supervisord)")
    supervisor = subprocess.Popen([str(BIN / "supervisord"), "-c", str(conf)], env=env, **as_user(user))

    def stop(signum, frame):
        say("Stopping everything (supervisord stops each process in turn)")
        supervisor.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    checks = {
        "simulator": f"http://{HOST}:{PORTS['simulator']}/phone",
        "backend": f"http://{HOST}:{PORTS['backend']}/healthz",
        "session worker": f"http://{HOST}:{PORTS['worker']}/health",
        **{f"session worker {n}": f"http://{HOST}:{PORTS[f'worker-{n}']}/health" for n in range(2, WORKERS + 1)},
    }
    waits = [
        (f"Waiting for the {name} ({url})", wait_ready, url, f"the {name} did not start")
        for name, url in checks.items()
    ]
    waits += [
        (
            f"Waiting for the backend to hear the {name}'s heartbeat",
            wait_heard,
            url,
            f"the backend did not answer the {name}",
        )
        for name, url in checks.items()
        if name.startswith("session worker")
    ]
    for doing, wait, url, failure in waits:
        say(doing)
        if not wait(url, supervisor):
            print(f"make run: {failure}; see {VAR / 'logs'}", file=sys.stderr)
            stop(None, None)
            supervisor.wait()
            return 1
    limits = (
        f"{env['WORKSPACE_MAX_ACCOUNTS']} accounts, {env['WORKSPACE_CONNECTS_PER_HOUR']} connect attempts an hour, "
        f"{env['WORKSPACE_CONNECTS_PER_DAY']} a day"
    )
    print(
        f"""
  WhatsApp connection service is running.

    Settings page   http://{HOST}:{PORTS["backend"]}/settings/whatsapp-accounts
    Log in as       demo / {password}      (workspace "Demo")
    Phone (scan)    http://{HOST}:{PORTS["simulator"]}/phone     <- the simulator's phone: scan the QR here
    API docs        http://{HOST}:{PORTS["backend"]}/api/v1/docs/
    Admin           http://{HOST}:{PORTS["backend"]}/admin/      (same login)
    Logs            {VAR / "logs"}/

  Limits per workspace: {limits}.
    Change them for a workspace in the admin (Workspaces, Limits), or for all: e.g.
    WORKSPACE_CONNECTS_PER_HOUR=100 make run   (also WORKSPACE_MAX_ACCOUNTS, WORKSPACE_CONNECTS_PER_DAY)

  Ctrl-C stops everything.
""",
        flush=True,
    )
    return supervisor.wait()


if __name__ == "__main__":
    sys.exit(main())

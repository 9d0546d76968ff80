"""What `make run` writes and starts: its folder and ports, the values it keeps there (secrets, passwords), the
programs' environment and supervisord's configuration (scripts/run_demo.py runs them)."""

from __future__ import annotations

import os
import pwd
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("DEMO_VAR_DIR", ROOT / "var" / "demo")).resolve()
PY = sys.executable
BIN = Path(PY).parent
_BASE_PORT = int(os.environ.get("DEMO_BASE_PORT", "8000"))
PORTS = {"backend": _BASE_PORT, "worker": _BASE_PORT + 1, "simulator": _BASE_PORT + 2}
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
DEMO_USER = os.environ.get("DEMO_USER", "whatsapp-demo")


def worker_count() -> int:
    """WORKERS=N (default 1): session workers worker-1 on base+1, then worker-2.. on base+3, base+4..."""
    raw = os.environ.get("WORKERS", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 20:
        sys.exit(f"make run: WORKERS must be a whole number from 1 to 20, got {raw!r}")
    return int(raw)


WORKERS = worker_count()
for _n in range(2, WORKERS + 1):
    PORTS[f"worker-{_n}"] = _BASE_PORT + _n + 1


DEMO_LIMITS = {"WORKSPACE_MAX_ACCOUNTS": "10", "WORKSPACE_CONNECTS_PER_HOUR": "30", "WORKSPACE_CONNECTS_PER_DAY": "100"}


def say(message: str) -> None:
    print(f"\033[1m==> {message}\033[0m", flush=True)


def kept(path: Path, make) -> str:
    """A value made once and kept under var/, so that restarts keep sessions and logins valid."""
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def demo_workers() -> list[str]:
    """demo_setup's --worker values: each worker's name, URL, capacity and public key (make run registers them)."""
    from shared.identity import public_of

    capacity = os.environ.get("MAX_SESSIONS", "10")
    names = ["worker", *(f"worker-{n}" for n in range(2, WORKERS + 1))]
    return [
        f"worker-{n}={'http://' + HOST + ':' + str(PORTS[name])}={capacity}={public_of(worker_key(n))}"
        for n, name in enumerate(names, start=1)
    ]


def worker_key(n: int) -> str:
    """Worker n's private key (whsk_), made once and kept under var/demo; make run registers its public half."""
    from shared.identity import new_key_pair

    return kept(VAR / f"worker-{n}.key", lambda: new_key_pair().private)


def environment(user: pwd.struct_passwd | None) -> dict[str, str]:
    """What every program starts with. No worker's private key is here: each worker's is in its own program's
    environment (supervisord_conf)."""
    from cryptography.fernet import Fernet

    from shared.identity import new_key_pair, public_of

    backend_key = kept(VAR / "backend_signing_key", lambda: new_key_pair().private)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DJANGO_DEBUG": "True",
            "SECRET_KEY": kept(VAR / "django_secret_key", lambda: secrets.token_urlsafe(40)),
            "BACKEND_SIGNING_KEY": backend_key,
            "BACKEND_PUBLIC_KEYS": public_of(backend_key),  # the workers check the backend's commands with it
            "SESSION_STATE_KEYS": kept(VAR / "session_state_key", lambda: Fernet.generate_key().decode()),
            "DATABASE_URL": f"sqlite:///{VAR / 'db.sqlite3'}",
            "VAR_DIR": str(VAR),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # the session worker
            "WORKER_HOST": HOST,
            "WORKER_PORT": str(PORTS["worker"]),
            "WORKER_ID": "worker-1",
            "WORKER_PUBLIC_URL": f"http://{HOST}:{PORTS['worker']}",
            "BACKEND_WEBHOOK_URL": f"http://{HOST}:{PORTS['backend']}/api/v1/whatsapp/webhook",
            "WA_WEB_URL": f"http://{HOST}:{PORTS['simulator']}/",
            "SESSION_DATA_DIR": str(VAR / "sessions"),
            "MAX_SESSIONS": os.environ.get("MAX_SESSIONS", "10"),
            # The demo's limits: room to try Connect a few dozen times (production's defaults are 10, 5/h, 20/day).
            **{name: os.environ.get(name, value) for name, value in DEMO_LIMITS.items()},
        }
    )
    if user is not None:  # the program user's own home, owner-only under VAR (Chromium writes its settings there)
        home = VAR / "home"
        home.mkdir(mode=0o700, exist_ok=True)
        env.update({"HOME": str(home), "USER": user.pw_name, "LOGNAME": user.pw_name})
    return env


def supervisord_conf(*, as_root: bool) -> Path:
    """Programs inherit supervisord's environment, which is ours (see main). Its control socket is owner-only and
    asks for a password (no "running without any HTTP authentication checking")."""
    logs = VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    control_password = kept(VAR / "supervisor_password", lambda: secrets.token_urlsafe(24))
    programs = {
        "simulator": f"{PY} -m simulator --host {HOST} --port {PORTS['simulator']} --profile realistic "
        f"--data-dir {VAR / 'simulator'}",
        "backend": f"{BIN / 'daphne'} -b {HOST} -p {PORTS['backend']} backend.asgi:application",
        "celery": f"{BIN / 'celery'} -A backend worker -B --pool=solo --loglevel=INFO "
        f"--schedule {VAR / 'celerybeat-schedule'}",
        "session-worker": f"{PY} -m session_worker",
    }
    # Each worker its own key; more workers (WORKERS=N) also their own id, port and data folder.
    extra_env = {"session-worker": f'WORKER_SIGNING_KEY="{worker_key(1)}"'}
    extra_env.update(
        {
            f"session-worker-{n}": (
                f'WORKER_ID="worker-{n}",WORKER_PORT="{PORTS[f"worker-{n}"]}",WORKER_SIGNING_KEY="{worker_key(n)}",'
                f'WORKER_PUBLIC_URL="http://{HOST}:{PORTS[f"worker-{n}"]}",SESSION_DATA_DIR="{VAR / f"sessions-{n}"}"'
            )
            for n in range(2, WORKERS + 1)
        }
    )
    programs.update({name: f"{PY} -m session_worker" for name in extra_env if name != "session-worker"})
    lines = [
        "[supervisord]",
        "nodaemon=true",
        *(["user=root"] if as_root else []),  # said on purpose: no "running as root" CRIT line
        "umask=077",
        "loglevel=warn",
        f"logfile={logs / 'supervisord.log'}",
        f"pidfile={VAR / 'supervisord.pid'}",
        f"childlogdir={logs}",
        "",
        "[unix_http_server]",
        f"file={VAR / 'supervisor.sock'}",
        "chmod=0700",
        "username=demo",
        f"password={control_password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{VAR / 'supervisor.sock'}",
        "username=demo",
        f"password={control_password}",
    ]
    for name, command in programs.items():
        lines += [
            "",
            f"[program:{name}]",
            f"command={command}",
            f"directory={ROOT}",
            f"stdout_logfile={logs / (name + '.log')}",
            "redirect_stderr=true",
            "stopwaitsecs=20",
            # the worker saves its sessions on SIGTERM itself; the others may be stopped as a group
            f"stopasgroup={'false' if name.startswith('session-worker') else 'true'}",
            "killasgroup=true",
        ]
        if name in extra_env:
            lines.append(f"environment={extra_env[name]}")
    path = VAR / "supervisord.conf"
    path.write_text("\n".join(lines) + "\n")
    return path
